package dev.kmclbridge.diag.commands;

import dev.kmclbridge.diag.DiagFailure;
import dev.kmclbridge.diag.EchoedText;
import dev.kmclbridge.diag.ExitCode;
import dev.kmclbridge.diag.Hex;
import dev.kmclbridge.diag.Invocation;
import dev.kmclbridge.diag.traffic.ChannelOptions;
import dev.kmclbridge.diag.traffic.ChannelRig;
import dev.kmclbridge.diag.traffic.GeneratorOptions;
import dev.kmclbridge.diag.traffic.HandledPacket;
import dev.kmclbridge.diag.traffic.PacketFilter;
import dev.kmclbridge.diag.traffic.PacketPolicy;
import dev.kmclbridge.diag.traffic.PacketPolicyOptions;
import dev.kmclbridge.diag.traffic.PacketSizeLimit;
import dev.kmclbridge.diag.traffic.PeerTraffic;
import dev.kmclbridge.diag.traffic.PolicyHandler;
import dev.kmclbridge.diag.traffic.Waiting;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.peer.PeerOutcome;
import org.apache.commons.cli.Options;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kmclbridge.diag.LongOption.withValue;

/**
 * {@code fail}: fails the next incoming packet matching a filter (VmbChannelPacketFail), completing the ones
 * before it, so you can see how the other side recovers from a failed transaction and a stopped queue.
 */
public final class FailCommand extends NamedCommand {
    static final String MATCH = "match";
    static final String TIMEOUT = "timeout";
    static final int DEFAULT_GENERATE = 3;

    public FailCommand() {
        super("fail", "fail the next incoming packet matching a filter (stops the channel's incoming queue)");
    }

    @Override
    public Options options() {
        Options o = new Options()
                .addOption(withValue(MATCH, "FILTER", "which packet to fail (default all = the next one)"))
                .addOption(withValue(TIMEOUT, "SECONDS", "how long to wait for a matching packet (default 10)"));
        return ChannelOptions.addTo(GeneratorOptions.addTo(o, DEFAULT_GENERATE));
    }

    @Override
    public String helpFooter() {
        return PacketPolicyOptions.FILTER_HELP
                + "Packets before the match are completed. After the fail the channel delivers nothing more until it is\n"
                + "disabled (KMCL semantics); on fake/loopback the report shows what the peer saw.\n"
                + "Example: kmcl-diag fail --backend fake --generate 3 --match nth=2";
    }

    @Override
    public ExitCode run(Invocation inv) throws InterruptedException {
        var v = inv.options();
        PacketFilter match = PacketFilter.parse("--" + MATCH, v.string(MATCH, "all"));
        Duration timeout = v.seconds(TIMEOUT, Duration.ofSeconds(10));
        GeneratorOptions.validate(v, PacketSizeLimit.of(v, inv.backendChoice().name()));
        AtomicReference<HandledPacket> failedOne = new AtomicReference<>();
        PacketPolicy policy = new PacketPolicy(PacketFilter.ALL, match, new byte[0]);
        // after the first failure nothing more is delivered (queue stopped), so "fail the next match" = this policy
        PolicyHandler handler = new PolicyHandler(policy, p -> {
            if (p.decision() == PacketPolicy.Decision.FAIL) {
                failedOne.compareAndSet(null, p);
            }
        });
        try (ChannelRig rig = ChannelOptions.open(inv.kmcl(), v, handler)) {
            int generate = GeneratorOptions.count(v, rig.peer().isPresent(), DEFAULT_GENERATE);
            Optional<PeerTraffic> traffic = GeneratorOptions.start(v, rig.peer(), rig.channel().id(), generate);
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                // the handler reports a packet before it ends it; its failed count grows only once fail() returned,
                // so the status read below shows the queue as the fail left it
                Waiting.until(() -> handler.failed() > 0 || traffic.map(PeerTraffic::hasFailed).orElse(false), deadline);
                Waiting.until(() -> traffic.map(PeerTraffic::finished).orElse(true), deadline);
            } finally {
                traffic.ifPresent(PeerTraffic::close);
            }
            List<Long> txIds = traffic.map(PeerTraffic::txIds).orElse(List.of());
            HandledPacket f = failedOne.get();
            if (handler.failed() == 0 || f == null) {
                throw DiagFailure.timeout("no packet matching " + EchoedText.quote(match.toString()) + " arrived within " + timeout.toMillis()
                        + " ms (" + handler.delivered() + " other packets were completed)");
            }
            var status = rig.channel().status();
            var stats = rig.channel().statistics();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("channel", ChannelView.id(rig.channel()));
            m.put("failedPacket", f.index());
            m.put("bytes", f.payload().length);
            m.put("payload", Hex.format(f.payload()));
            m.put("completedBefore", handler.completed());
            m.put("queueStopped", status.queueStopped());
            m.put("incomingRingUsed", stats.incomingRingUsed());
            if (rig.peer().isPresent() && f.index() <= txIds.size()) {
                Peer peer = rig.peer().get();
                long ch = rig.channel().id();
                PeerOutcome o = peer.awaitOutcome(ch, txIds.get((int) f.index() - 1), Duration.ofSeconds(2));
                m.put("peerOutcome", o.kind().name());
                m.put("peerSeesQueueStopped", peer.queueStopped(ch));
                m.put("peerPacketsNotDelivered", txIds.size() - handler.delivered());
            }
            if (inv.json()) {
                inv.printJson(m);
            } else {
                var out = inv.out();
                out.printf("failed packet #%d (%d bytes) on channel %s after completing %d before it%n", f.index(),
                        f.payload().length, ChannelView.id(rig.channel()), handler.completed());
                out.print(Hex.dump(f.payload(), "  "));
                out.printf("incoming queue stopped: %s; bytes left in the incoming ring: %d%n", status.queueStopped(),
                        stats.incomingRingUsed());
                if (m.containsKey("peerOutcome")) {
                    out.printf("peer: its transaction ended %s, it sees the queue stopped: %s, %s of its packets were not delivered%n",
                            m.get("peerOutcome"), m.get("peerSeesQueueStopped"), m.get("peerPacketsNotDelivered"));
                }
            }
        }
        return ExitCode.OK;
    }
}
