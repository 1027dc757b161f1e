package dev.kmclbridge.diag.commands;

import dev.kmclbridge.Completion;
import dev.kmclbridge.SendFlag;
import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.diag.InputFiles;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.OptionValues;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.diag.traffic.PacketSizeLimit;
import dev.kmclbridge.diag.traffic.PeerReplyOption;
import dev.kmclbridge.diag.traffic.PeerResponder;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.kmclbridge.diag.LongOption.flag;
import static dev.kmclbridge.diag.LongOption.withValue;

/** {@code send}: sends a hex or file payload on a channel, optionally waiting for the peer's completion. */
public final class SendCommand extends NamedCommand {
    static final String HEX = "hex";
    static final String FILE = "file";
    static final String WAIT = "wait-completion";
    static final String COUNT = "count";
    static final String TIMEOUT = "timeout";

    public SendCommand() {
        super("send",
                "send a payload (hex or file) on a channel; --wait-completion waits for and prints the completion");
    }

    @Override
    public String positionalUsage() {
        return "[HEX]";
    }

    @Override
    public Options options() {
        return ChannelOptions.addTo(new Options()
                .addOption(withValue(HEX, "HEX", "payload as hex (e.g. 'de ad be ef' or 0xdeadbeef)"))
                .addOption(withValue(FILE, "PATH", "payload = the bytes of this regular file (at most the largest packet)"))
                .addOption(flag(WAIT, "send with WAIT_FOR_COMPLETION and print the completion payload"))
                .addOption(withValue(COUNT, "N", "send the payload N times (default 1)"))
                .addOption(withValue(TIMEOUT, "SECONDS", "how long to wait for each send to end (default 10)"))
                .addOption(PeerReplyOption.option(
                        "fake/loopback: the completion payload the peer answers with (default: echo the payload)")));
    }

    @Override
    public String helpFooter() {
        return "On fake/loopback the peer reads the packet and, when a completion was requested, completes it.\n"
                + "Examples: kmcl-diag send --backend fake --wait-completion 'de ad be ef'\n"
                + "          kmcl-diag send --backend native --endpoint GUID --file request.bin --wait-completion";
    }

    /** The payload from the positional HEX, --hex or --file (exactly one), at most {@code limit} bytes. */
    static byte[] payload(OptionValues v, PacketSizeLimit limit) {
        List<String> given = new ArrayList<>();
        if (v.positional().length > 1) {
            throw DiagFailure.usage("give one HEX payload (quote it if it contains spaces), got " + v.positional().length + " arguments");
        }
        if (v.positional().length == 1) {
            given.add("HEX");
        }
        if (v.has(HEX)) {
            given.add("--hex");
        }
        if (v.has(FILE)) {
            given.add("--file");
        }
        if (given.size() != 1) {
            throw DiagFailure.usage(given.isEmpty() ? "no payload: give HEX, --hex HEX or --file PATH"
                    : "give only one payload source, got " + String.join(" and ", given));
        }
        if (v.has(FILE)) {
            return InputFiles.readBytes("--" + FILE, v.path(FILE), limit.bytes(), limit.description());
        }
        String what = v.has(HEX) ? "--hex" : "payload";
        byte[] payload = Hex.parse(what, v.has(HEX) ? v.string(HEX, null) : v.positional()[0]);
        limit.check(what, payload.length);
        return payload;
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        var v = inv.options();
        byte[] payload = payload(v, PacketSizeLimit.of(v, inv.backendChoice().name()));
        boolean wait = v.has(WAIT);
        int count = v.intValue(COUNT, 1, 1, 1_000_000);
        Duration timeout = v.seconds(TIMEOUT, Duration.ofSeconds(10));
        Optional<byte[]> peerReply = PeerReplyOption.read(v);
        try (ChannelRig rig = ChannelOptions.open(inv.kmcl(), v, p -> p.complete())) {
            Optional<PeerResponder> responder = PeerResponder.startFor(rig, PeerReplyOption.reply(peerReply, rig));
            List<Map<String, Object>> results = new ArrayList<>();
            try {
                for (int i = 1; i <= count; i++) {
                    CompletableFuture<Completion> f = rig.channel().send(payload,
                            wait ? EnumSet.of(SendFlag.WAIT_FOR_COMPLETION) : EnumSet.noneOf(SendFlag.class));
                    Completion c = await(f, timeout, wait);
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("n", i);
                    r.put("channel", ChannelView.id(rig.channel()));
                    r.put("bytes", payload.length);
                    r.put("waitForCompletion", wait);
                    r.put("completionPayload", wait ? Hex.format(c.payloadBytes()) : null);
                    results.add(r);
                    if (!inv.json()) {
                        var out = inv.out();
                        out.printf("sent %d bytes on channel %s%s%n", payload.length, ChannelView.id(rig.channel()),
                                wait ? ": completed with " + c.payloadBytes().length + " bytes" : " (in the ring)");
                        if (wait) {
                            out.print(Hex.dump(c.payloadBytes(), "  "));
                        }
                    }
                }
            } finally {
                responder.ifPresent(PeerResponder::close);
            }
            if (inv.json()) {
                inv.printJson(Map.of("sends", results));
            }
        }
        return ExitCode.OK;
    }

    private static Completion await(CompletableFuture<Completion> f, Duration timeout, boolean wait) throws InterruptedException {
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw DiagFailure.timeout(wait ? "no completion within " + timeout.toMillis() + " ms (the peer did not complete the packet)"
                    : "the packet did not reach the ring within " + timeout.toMillis() + " ms (ring full?)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
