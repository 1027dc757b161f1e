package dev.kmclbridge.ic;

import dev.kmclbridge.Kmcl;
import dev.kmclbridge.ic.guest.HeartbeatClient;
import dev.kmclbridge.ic.guest.IcTrafficEvent;
import dev.kmclbridge.ic.guest.KvpClient;
import dev.kmclbridge.ic.guest.ShutdownClient;
import dev.kmclbridge.ic.guest.TimeSyncClient;
import dev.kmclbridge.ic.host.HostExchange;
import dev.kmclbridge.ic.host.IcHostModel;
import dev.kmclbridge.peer.Peer;
import dev.kmclbridge.ic.guest.IcGuestClient;
import dev.kmclbridge.peer.PeerOutcome;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IC example: our guest-side clients against the host models, unchanged on fake and loopback (loopback is
 * skipped, with the reason, only when its native library is not built).
 */
class IcExampleTest {
    private static final Duration OPEN = Duration.ofSeconds(10);
    private static final Duration ANSWER = Duration.ofSeconds(5);
    /** Short wait where the expected result is that nothing comes. */
    private static final Duration SILENCE = Duration.ofMillis(300);

    private static Kmcl open(String backend) {
        Optional<String> why = Kmcl.backends().getOrDefault(backend, Optional.of("not on the class path"));
        Assumptions.assumeTrue(why.isEmpty(), () -> backend + " unavailable: " + why.orElse(""));
        return Kmcl.open(backend);
    }

    /** Attaches {@code guest} to a fresh host-model offer of its IC and returns the model talking to it. */
    private static IcHostModel attach(Kmcl kmcl, IcGuestClient guest) {
        guest.attach(kmcl, kmcl.endpoint(IcHostModel.offer(kmcl.peer().orElseThrow(), guest.service()).endpointId()), OPEN);
        return hostModel(kmcl, guest, ANSWER);
    }

    /** {@link #attach}, then the host model negotiates its default versions with the guest. */
    private static IcHostModel attachNegotiated(Kmcl kmcl, IcGuestClient guest) {
        IcHostModel host = attach(kmcl, guest);
        host.negotiate();
        return host;
    }

    /** A host model on the guest's current channel that waits {@code answerWait} for each answer. */
    private static IcHostModel hostModel(Kmcl kmcl, IcGuestClient guest, Duration answerWait) {
        return new IcHostModel(kmcl.peer().orElseThrow(), guest.channel().id(), guest.service(), answerWait);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void malformedRequestIsCompletedUnansweredAndTheChannelKeepsWorking(String backend) {
        try (Kmcl kmcl = open(backend); HeartbeatClient guest = new HeartbeatClient()) {
            IcHostModel host = attachNegotiated(kmcl, guest);
            Peer peer = kmcl.peer().orElseThrow();
            long tx = peer.send(guest.channel().id(), new byte[] {1, 0, 0, 0, 99, 0, 0, 0, 7}, false, Optional.empty());
            assertEquals(PeerOutcome.Kind.COMPLETED, peer.awaitOutcome(guest.channel().id(), tx, ANSWER).kind());
            IcTrafficEvent last = guest.traffic().get(guest.traffic().size() - 1);
            assertEquals(IcTrafficEvent.Action.MALFORMED, last.action());
            assertTrue(last.summary().contains("pipe header length"), last.summary());
            assertEquals(6, HeartbeatMessage.decode(host.heartbeat(5).requireResponse().body()).sequenceNumber());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void heartbeatsAreAnsweredWithSequencePlusOneAfterNegotiation(String backend) {
        try (Kmcl kmcl = open(backend); HeartbeatClient guest = new HeartbeatClient()) {
            IcHostModel host = attach(kmcl, guest);

            HostExchange nego = host.negotiate(List.of(new IcVersion(1, 0), new IcVersion(3, 0)),
                    List.of(new IcVersion(1, 0), new IcVersion(3, 0), new IcVersion(9, 9)));
            assertEquals(HostExchange.Outcome.ANSWERED, nego.outcome());
            assertEquals(new IcVersion(3, 0), host.negotiated().orElseThrow().chosenFramework());
            assertEquals(new IcVersion(3, 0), host.negotiated().orElseThrow().chosenMessage(), "9.9 is not ours, 3.0 is the highest common");
            assertEquals(host.negotiated(), guest.negotiated());

            for (long seq = 100; seq < 110; seq++) {
                HostExchange beat = host.heartbeat(seq);
                assertEquals(HostExchange.Outcome.ANSWERED, beat.outcome());
                IcMessage answer = beat.requireResponse();
                assertEquals(seq + 1, HeartbeatMessage.decode(answer.body()).sequenceNumber());
                assertEquals(beat.request().header().transactionId(), answer.header().transactionId());
                assertEquals(IcHeader.FLAG_TRANSACTION | IcHeader.FLAG_RESPONSE, answer.header().flags());
                assertEquals(beat.request().body().length, answer.body().length, "the answer echoes the request's size");
            }
            assertEquals(11, guest.traffic().stream().filter(e -> e.action() == IcTrafficEvent.Action.ANSWERED).count());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void noCommonVersionIsAnsweredWithZeroCounts(String backend) {
        try (Kmcl kmcl = open(backend); HeartbeatClient guest = new HeartbeatClient()) {
            IcHostModel host = attach(kmcl, guest);
            HostExchange nego = host.negotiate(List.of(new IcVersion(2, 0)), List.of(new IcVersion(3, 0)));
            assertEquals(HostExchange.Outcome.ANSWERED, nego.outcome());
            assertEquals(IcStatus.FAIL, nego.requireResponse().header().status());
            assertTrue(host.negotiated().isEmpty());
            assertTrue(guest.negotiated().isEmpty());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void failedHeartbeatIsSeenByTheHostAndStopsLaterRequests(String backend) {
        try (Kmcl kmcl = open(backend); HeartbeatClient guest = new HeartbeatClient()) {
            IcHostModel host = attach(kmcl, guest);
            assertEquals(HostExchange.Outcome.ANSWERED, host.negotiate().outcome());
            guest.failNextRequest();
            assertEquals(HostExchange.Outcome.FAILED_BY_GUEST, host.heartbeat(1).outcome());
            assertTrue(kmcl.peer().orElseThrow().queueStopped(guest.channel().id()));
            // the fail stopped the incoming queue (B74): the next heartbeat stays in the ring, unanswered
            assertEquals(HostExchange.Outcome.NOT_ANSWERED, host.heartbeat(2).outcome());
            assertEquals(IcTrafficEvent.Action.FAILED, guest.traffic().get(guest.traffic().size() - 1).action());

            guest.reopen(kmcl, OPEN);
            IcHostModel again = hostModel(kmcl, guest, ANSWER);
            assertEquals(HostExchange.Outcome.ANSWERED, again.negotiate().outcome(), "a reopened channel negotiates again");
            assertEquals(4, HeartbeatMessage.decode(again.heartbeat(3).requireResponse().body()).sequenceNumber());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void stopAnsweringAndWrongAnswersAreWhatTheHostRecords(String backend) {
        try (Kmcl kmcl = open(backend); HeartbeatClient guest = new HeartbeatClient()) {
            IcHostModel host = attachNegotiated(kmcl, guest);
            guest.setAnswering(false);
            IcHostModel quiet = hostModel(kmcl, guest, SILENCE);
            assertEquals(HostExchange.Outcome.NOT_ANSWERED, quiet.heartbeat(7).outcome());
            assertFalse(kmcl.peer().orElseThrow().queueStopped(guest.channel().id()), "not answering is not a fail");
            guest.setAnswering(true);
            guest.setAnswerWrongly(true);
            assertEquals(8, HeartbeatMessage.decode(host.heartbeat(8).requireResponse().body()).sequenceNumber(),
                    "a wrong answer repeats the sequence number");
            guest.setAnswerWrongly(false);
            assertEquals(10, HeartbeatMessage.decode(host.heartbeat(9).requireResponse().body()).sequenceNumber());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void shutdownRequestIsReceivedAndAnsweredWithTheChosenStatus(String backend) {
        try (Kmcl kmcl = open(backend); ShutdownClient guest = new ShutdownClient()) {
            IcHostModel host = attachNegotiated(kmcl, guest);
            assertEquals(new IcVersion(3, 2), host.negotiated().orElseThrow().chosenMessage());
            ShutdownMessage restart = new ShutdownMessage(0x80000000, 30, ShutdownMessage.FLAG_RESTART, "planned restart");
            assertEquals(IcStatus.OK, host.shutdown(restart).requireResponse().header().status());
            guest.setPolicy(r -> IcStatus.MACHINE_LOCKED);
            assertEquals(IcStatus.MACHINE_LOCKED, host.shutdown(restart).requireResponse().header().status());
            assertEquals(List.of(restart, restart), guest.requests());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void timeSamplesAreRecordedWithHostTimeFlagsAndOffset(String backend) {
        try (Kmcl kmcl = open(backend); TimeSyncClient guest = new TimeSyncClient()) {
            IcHostModel host = attachNegotiated(kmcl, guest);
            IcVersion version = host.negotiated().orElseThrow().chosenMessage();
            assertEquals(new IcVersion(4, 0), version);
            Instant later = Instant.now().plusSeconds(3600);
            Instant hostTime = later.minusNanos(later.getNano() % 100); // host time has 100 ns units
            TimeSyncMessage sync = new TimeSyncMessage(TimeSyncMessage.Layout.forVersion(version),
                    TimeSyncMessage.toHostTime(hostTime), 12345, 0, TimeSyncMessage.FLAG_SYNC, 0, 0);
            assertEquals(HostExchange.Outcome.ANSWERED, host.timeSample(sync).outcome());
            TimeSyncClient.Sample s = guest.samples().get(0);
            assertEquals(hostTime, s.message().hostInstant());
            assertEquals("sync", s.message().flagNames());
            assertTrue(s.hostAhead().compareTo(Duration.ofMinutes(59)) > 0 && s.hostAhead().compareTo(Duration.ofMinutes(61)) < 0,
                    s.hostAhead().toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake", "loopback"})
    void kvpPairsAreSetReadEnumeratedAndDeleted(String backend) {
        try (Kmcl kmcl = open(backend); KvpClient guest = new KvpClient()) {
            guest.put(1, "GuestName", "kmcl-vm");
            IcHostModel host = attachNegotiated(kmcl, guest);
            assertEquals(new IcVersion(5, 0), host.negotiated().orElseThrow().chosenMessage());

            assertEquals(IcStatus.OK, host.kvp(KvpMessage.of(KvpOperation.SET, 0, "Owner", "lab-7")).requireResponse().header().status());
            assertEquals("lab-7", guest.pool(0).get("Owner"));
            IcMessage got = host.kvp(KvpMessage.of(KvpOperation.GET, 0, "Owner", "")).requireResponse();
            assertEquals("lab-7", KvpMessage.decode(got.body()).value());
            IcMessage first = host.kvp(KvpMessage.enumerate(1, 0)).requireResponse();
            assertEquals(IcStatus.OK, first.header().status());
            assertEquals("GuestName", KvpMessage.decode(first.body()).key());
            assertEquals("kmcl-vm", KvpMessage.decode(first.body()).value());
            assertEquals(IcStatus.NO_MORE_ITEMS, host.kvp(KvpMessage.enumerate(1, 1)).requireResponse().header().status());
            assertEquals(IcStatus.OK, host.kvp(KvpMessage.of(KvpOperation.DELETE, 0, "Owner", "")).requireResponse().header().status());
            assertFalse(guest.pool(0).containsKey("Owner"));
            assertEquals(IcStatus.FAIL, host.kvp(KvpMessage.of(KvpOperation.GET, 0, "Owner", "")).requireResponse().header().status());
        }
    }
}
