/* fake_defaults.h - the one list of the defaults, limits and documented choices of both fakes: the C
 * fake of KMCL (driver/fakekmcl, under the loopback backend) and the pure-Java fake
 * (dev.kmclbridge.fake.FakeDefaults). KMCL documents none of them (docs/kmcl-api.md Q13);
 * docs/fake-choices.md says why each value was picked.
 *
 * Each entry is FAKE_DEFAULT(NAME, value, "why"); NAME is the FakeDefaults constant of the same name.
 * FakeDefaultsHeaderTest (java/kmcl-bridge/src/test) reads this file and fails when a FakeDefaults
 * constant differs from its entry or an entry has no constant, so change both together. Values are
 * plain integer literals (booleans 0/1, one text entry) so that test can read them.
 *
 * The C fake takes its values from the FAKE_DEFAULT_<NAME> constants below. */
#ifndef FAKE_DEFAULTS_H
#define FAKE_DEFAULTS_H
#include <stdint.h>

#define FAKE_DEFAULTS(FAKE_DEFAULT)                                                                           \
    FAKE_DEFAULT(INCOMING_RING_PAGES, 16,                                                                     \
                 "client incoming ring pages without SetRingBufferPageCount; within the 8..256 KMCL clients use") \
    FAKE_DEFAULT(OUTGOING_RING_PAGES, 16,                                                                     \
                 "client outgoing ring pages without SetRingBufferPageCount")                                 \
    FAKE_DEFAULT(GUEST_PEER_RING_PAGES, 16,                                                                   \
                 "pages per ring the guest peer allocates for our server channels (the guest owns ring memory)") \
    FAKE_DEFAULT(MAXIMUM_RING_PAGES, 4096,                                                                    \
                 "largest page count per ring (16 MiB); more fails with STATUS_INSUFFICIENT_RESOURCES")       \
    FAKE_DEFAULT(MAXIMUM_PACKET_SIZE, 16384,                                                                  \
                 "inline bytes per packet without SetMaximumPacketSize; fits the default 64 KiB ring")        \
    FAKE_DEFAULT(MAXIMUM_EXTERNAL_DATA, 1048576,                                                              \
                 "external data bytes per packet without SetMaximumExternalData; more fails the send")        \
    FAKE_DEFAULT(MAXIMUM_EXTERNAL_CHAIN, 32,                                                                  \
                 "external MDL chain length without SetMaximumExternalData (stored; one range is used)")      \
    FAKE_DEFAULT(TRANSACTION_QUOTA, 4096,                                                                     \
                 "incoming quota without SetTransactionQuota: the driver core's KMCLB_MAX_PENDING_PACKETS")    \
    FAKE_DEFAULT(INTERRUPT_LATENCY_100NS, 0,                                                                  \
                 "latency before the first SetInterruptLatency: what the driver core can report before it set one") \
    FAKE_DEFAULT(INCOMING_AT_PASSIVE, 0,                                                                      \
                 "without SetIncomingProcessingAtPassive deliveries are a seeded mix of DISPATCH and PASSIVE")  \
    FAKE_DEFAULT(CLIENT_CONTEXT_SIZE, 0, "per-packet client context bytes without SetClientContextSize")       \
    FAKE_DEFAULT(PACKET_OBJECT_OVERHEAD, 256,                                                                 \
                 "SizeofPacket = this + roundup8(maximum packet size) + 8, above max + sizeof(PVOID) (B122)")  \
    FAKE_DEFAULT(MMIO_BASE, 0xF00000000,                                                                      \
                 "MMIO address = base + (channel number & 0xFFFF) * MMIO_SLOT_BYTES")                         \
    FAKE_DEFAULT(MMIO_SLOT_BYTES, 0x10000000,                                                                 \
                 "256 MiB of MMIO address space per channel number, so channels never overlap")              \
    FAKE_DEFAULT(SEED, 1, "seed of the random generator when none is given")

/* FAKE_TEXT_DEFAULT(NAME, "value", "why") */
#define FAKE_TEXT_DEFAULTS(FAKE_TEXT_DEFAULT) \
    FAKE_TEXT_DEFAULT(FRIENDLY_NAME, "", "friendly name without SetFriendlyName (stored only)")

/* The standing host offers present from the start, as FakeDefaults UUIDs: FAKE_STANDING_OFFER(NAME,
 * data1, data2, data3, data4, "name") spells the class GUID {data1-data2-data3-data4}; the instance
 * GUIDs come from the seeded generator. */
#define FAKE_STANDING_OFFERS(FAKE_STANDING_OFFER)                                                           \
    FAKE_STANDING_OFFER(HEARTBEAT, 0x57164f39, 0x9115, 0x4e78, 0xab55382f3bd5422d, "heartbeat")            \
    FAKE_STANDING_OFFER(KEY_VALUE_EXCHANGE, 0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8278a841e8c03e6,                  \
                        "key-value data exchange")                                                          \
    FAKE_STANDING_OFFER(SHUTDOWN, 0x0e0b6031, 0x5213, 0x4934, 0x818b38d90ced39db, "shutdown")              \
    FAKE_STANDING_OFFER(TIME_SYNC, 0x9527e630, 0xd0ae, 0x497b, 0xadcee80ab0175caf, "time synchronization")

/* Bounds of the C fake alone (the Java fake keeps these records until the test drains them):
 * FAKE_C_BOUND(NAME, value, "why"). */
#define FAKE_C_BOUNDS(FAKE_C_BOUND)                                                                 \
    FAKE_C_BOUND(PEER_OUTCOMES_KEPT, 65536,                                                         \
                 "per channel: ended peer packets whose outcome was not collected; older ones are forgotten") \
    FAKE_C_BOUND(PEER_READ_RECORDS_KEPT, 8192,                                                      \
                 "per channel: our packets the peer read and finished with; older ones are forgotten")

#define FAKE_DEFAULT_CONSTANT(name, value, why) static const uint64_t FAKE_DEFAULT_##name = (value##ull);
FAKE_DEFAULTS(FAKE_DEFAULT_CONSTANT)
FAKE_C_BOUNDS(FAKE_DEFAULT_CONSTANT)
#undef FAKE_DEFAULT_CONSTANT

#endif
