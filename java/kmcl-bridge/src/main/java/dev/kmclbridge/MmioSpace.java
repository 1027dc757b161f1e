package dev.kmclbridge;

/**
 * VmbChannelGetMmioSpace: the size of the MMIO range the server asked for. KMCL's address is not reported: its
 * documentation calls it both a kernel virtual and a physical address (Q16), and no kernel address leaves the driver.
 */
public record MmioSpace(long size) {
}
