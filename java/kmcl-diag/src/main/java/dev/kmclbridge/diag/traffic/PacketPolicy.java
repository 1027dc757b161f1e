package dev.kmclbridge.diag.traffic;

import dev.kmclbridge.diag.Hex;

import java.util.Arrays;

/**
 * What kmcl-diag does with each incoming packet: fail it when it matches the fail filter (this stops the
 * channel's incoming queue, as VmbChannelPacketFail does), else complete it (with the completion payload) when
 * it matches the complete filter, else hold it uncompleted (held packets are completed when the command ends).
 */
public record PacketPolicy(PacketFilter complete, PacketFilter fail, byte[] completionPayload) {
    /** Complete everything with an empty completion payload. */
    public static PacketPolicy completeAll() {
        return new PacketPolicy(PacketFilter.ALL, PacketFilter.NONE, new byte[0]);
    }

    public PacketPolicy {
        completionPayload = completionPayload.clone();
    }

    /** The three possible decisions. */
    public enum Decision { COMPLETE, FAIL, HOLD }

    /** The decision for the {@code index}-th delivered packet (1-based). */
    public Decision decide(long index, byte[] payload) {
        if (fail.matches(index, payload)) {
            return Decision.FAIL;
        }
        return complete.matches(index, payload) ? Decision.COMPLETE : Decision.HOLD;
    }

    @Override
    public byte[] completionPayload() {
        return completionPayload.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PacketPolicy p && p.complete.toString().equals(complete.toString())
                && p.fail.toString().equals(fail.toString()) && Arrays.equals(p.completionPayload, completionPayload);
    }

    @Override
    public int hashCode() {
        return complete.toString().hashCode() * 31 + fail.toString().hashCode();
    }

    @Override
    public String toString() {
        return "complete=" + complete + " fail=" + fail + " completionPayload=" + Hex.format(completionPayload);
    }
}
