package dev.kmclbridge.diag.capture;

/**
 * How one recorded packet went in the replay.
 *
 * @param seq             the recorded seq
 * @param direction       in or out
 * @param bytes           payload length
 * @param expectedVerdict recorded verdict
 * @param actualVerdict   verdict in the replay
 * @param match           everything compared equal
 * @param detail          what differed (null when matched)
 */
public record PacketComparison(long seq, String direction, int bytes, String expectedVerdict, String actualVerdict,
                               boolean match, String detail) {
}
