package dev.kmclbridge.diag.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Compares two captures' traffic, ignoring timing and ids: the same packets in the same order (direction, payload,
 * external data, completion requested) with the same verdicts and completion payloads.
 */
public final class TrafficComparison {
    private TrafficComparison() {
    }

    /** The differences, one sentence each; empty when the traffic is the same. */
    public static List<String> differences(Capture expected, Capture actual) {
        List<String> out = new ArrayList<>();
        List<CapturedPacket> e = expected.packets();
        List<CapturedPacket> a = actual.packets();
        for (int i = 0; i < Math.max(e.size(), a.size()); i++) {
            if (i >= e.size()) {
                out.add("packet " + (i + 1) + ": unexpected extra " + a.get(i).direction() + " packet " + a.get(i).payload());
                continue;
            }
            if (i >= a.size()) {
                out.add("packet " + (i + 1) + ": missing " + e.get(i).direction() + " packet " + e.get(i).payload());
                continue;
            }
            String d = difference(e.get(i), a.get(i));
            if (d != null) {
                out.add("packet " + (i + 1) + ": " + d);
            }
        }
        return out;
    }

    /** Null when the two packets match, else what differs. */
    public static String difference(CapturedPacket e, CapturedPacket a) {
        if (!e.direction().equals(a.direction())) {
            return "direction " + a.direction() + ", expected " + e.direction();
        }
        if (!e.payload().equalsIgnoreCase(a.payload())) {
            return "payload " + a.payload() + ", expected " + e.payload();
        }
        if (!Objects.toString(e.external(), "").equalsIgnoreCase(Objects.toString(a.external(), ""))) {
            return "external data differs";
        }
        if (e.completionRequested() != a.completionRequested()) {
            return "completion requested " + a.completionRequested() + ", expected " + e.completionRequested();
        }
        if (!e.verdict().equals(a.verdict())) {
            return "verdict " + a.verdict() + ", expected " + e.verdict();
        }
        if (e.verdict().equals(CapturedPacket.COMPLETED) && e.completionRequested()
                && !Objects.toString(e.completionPayload(), "").equalsIgnoreCase(Objects.toString(a.completionPayload(), ""))) {
            return "completion payload " + a.completionPayload() + ", expected " + e.completionPayload();
        }
        return null;
    }
}
