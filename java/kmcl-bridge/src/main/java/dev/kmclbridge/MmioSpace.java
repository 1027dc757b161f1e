package dev.kmclbridge;

/** VmbChannelGetMmioSpace: the MMIO range the server asked for (address meaning is undocumented, see Q16). */
public record MmioSpace(long address, long size) {
}
