/* kmcl_ops_kmdf.c - kc_kmcl_ops over the real KMCL table (Windows only; NOT BUILT OR RUN HERE).
 * Thin wrappers: per-channel and per-packet glue records keep the core's callbacks and contexts so
 * the KMCL callbacks can be trampolined into the core; buffers become MDLs / PFN lists. */
#include "kmdf_glue.h"

typedef struct GLUE_CHANNEL {
    VMBCHANNEL Channel;
    void *CoreCtx;
    kc_evt_process_packet ProcessPacket;
    kc_evt_processing_complete ProcessingComplete;
    kc_state_callbacks State;
    kc_evt_pnp_failure PnpFailure;
    kc_evt_packet_completion Completion;
} GLUE_CHANNEL;

typedef struct GLUE_PACKET {
    VMBPACKET Packet;
    void *CoreCtx;
    PMDL Mdl;
} GLUE_PACKET;

#define T (&KmclbDriverContext()->Kmcl.Client)
#define S (&KmclbDriverContext()->Kmcl.Server)
#define CH(h) (((GLUE_CHANNEL *)(void *)(h))->Channel)
#define GC(vmbch) ((GLUE_CHANNEL *)T->VmbChannelGetPointer(vmbch))

/* An MDL for core memory the host is to see: host-visible pages of their own (kc_platform.h),
 * non-paged pool, so the MDL needs no system mapping (and IoFreeMdl is all it takes). */
static PMDL MdlFor(const void *buf, uint32_t len)
{
    PMDL mdl = IoAllocateMdl((PVOID)buf, len, FALSE, FALSE, NULL);
    if (mdl != NULL) {
        MmBuildMdlForNonPagedPool(mdl);
    }
    return mdl;
}

/* Maps a locked MDL KMCL returned into system space (the first MDL of a chain only). KMCL frees
 * its MDLs but never unmaps what its client mapped (a system PTE leak, a Driver Verifier finding),
 * so *mapping is the MDL when this call made the mapping: the core hands it back to
 * OpUnmapSystemAddress once it has read the memory. An MDL that already had a system address
 * (non-paged pool, or mapped by KMCL) is not ours to unmap: *mapping is NULL. */
static NTSTATUS MapKmclMdl(PMDL mdl, void **address, uint32_t *size, void **mapping)
{
    BOOLEAN had_address = (mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) != 0;
    PVOID va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute);
    *address = va;
    *size = va != NULL ? MmGetMdlByteCount(mdl) : 0;
    *mapping = (va != NULL && !had_address) ? mdl : NULL;
    return va != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

static void OpUnmapSystemAddress(void *mapping)
{
    PMDL mdl = (PMDL)mapping;
    MmUnmapLockedPages(mdl->MappedSystemVa, mdl);
}

/* ---------------------------------------------------------------- trampolines */
static VOID TrProcessPacket(VMBCHANNEL ch, VMBPACKETCOMPLETION p, PVOID buf, UINT32 len, UINT32 flags)
{
    GLUE_CHANNEL *g = GC(ch);
    g->ProcessPacket(g->CoreCtx, (kc_vmbcompletion)p, buf, len, flags);
}

static VOID TrProcessingComplete(VMBCHANNEL ch, UINT32 count)
{
    GLUE_CHANNEL *g = GC(ch);
    g->ProcessingComplete(g->CoreCtx, count);
}

static NTSTATUS TrOpened(VMBCHANNEL ch)
{
    GLUE_CHANNEL *g = GC(ch);
    return g->State.opened ? g->State.opened(g->CoreCtx) : STATUS_SUCCESS;
}

#define TR_STATE(name, member)                 \
    static VOID name(VMBCHANNEL ch)            \
    {                                          \
        GLUE_CHANNEL *g = GC(ch);              \
        if (g->State.member) {                 \
            g->State.member(g->CoreCtx);       \
        }                                      \
    }
TR_STATE(TrClosed, closed)
TR_STATE(TrSuspend, suspend)
TR_STATE(TrStarted, started)
TR_STATE(TrPostStarted, post_started)

static VOID TrPnpFailure(VMBCHANNEL ch, NTSTATUS st)
{
    GLUE_CHANNEL *g = GC(ch);
    if (g->PnpFailure) {
        g->PnpFailure(g->CoreCtx, st);
    }
}

static VOID TrPacketCompletion(VMBPACKET p, NTSTATUS st, PVOID buf, UINT32 len)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)T->VmbPacketGetPointer(p);
    GLUE_CHANNEL *g = GC(T->VmbPacketGetChannel(p));
    if (gp->Mdl != NULL) {
        IoFreeMdl(gp->Mdl);
        gp->Mdl = NULL;
    }
    g->Completion(gp->CoreCtx, st, buf, len);
}

/* ---------------------------------------------------------------- channel */
static kc_status OpAllocate(void *device, int is_server, kc_vmbchannel *out)
{
    FILTER_CONTEXT *f = (FILTER_CONTEXT *)device;
    GLUE_CHANNEL *g = (GLUE_CHANNEL *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*g), KMCLB_TAG);
    *out = NULL;
    if (g == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    NTSTATUS st = T->VmbChannelAllocate(WdfDeviceWdmGetDeviceObject(f->Device), is_server ? TRUE : FALSE, &g->Channel);
    if (!NT_SUCCESS(st)) {
        ExFreePoolWithTag(g, KMCLB_TAG);
        return st;
    }
    T->VmbChannelSetPointer(g->Channel, g);
    *out = (kc_vmbchannel)(void *)g;
    return STATUS_SUCCESS;
}

static void OpCleanup(kc_vmbchannel h)
{
    T->VmbChannelCleanup(CH(h));
    ExFreePoolWithTag(h, KMCLB_TAG);
}

static kc_status OpCreateGpadl(kc_vmbchannel h, uint32_t flags, void *buf, uint32_t size, uint32_t *handle)
{
    return T->VmbChannelCreateGpadlFromBuffer(CH(h), flags, buf, size, (PUINT32)handle);
}

static void OpDeleteGpadl(kc_vmbchannel h, uint32_t handle) { T->VmbChannelDeleteGpadl(CH(h), handle); }
static void OpDisable(kc_vmbchannel h) { T->VmbChannelDisable(CH(h)); }
static kc_status OpEnable(kc_vmbchannel h) { return T->VmbChannelEnable(CH(h)); }
static void OpInstance(kc_vmbchannel h, kc_guid *out) { T->VmbChannelGetInterfaceInstance(CH(h), (LPGUID)out); }
static void OpMmio(kc_vmbchannel h, uint64_t *a, uint64_t *s) { T->VmbChannelGetMmioSpace(CH(h), a, s); }
static void *OpGetPointer(kc_vmbchannel h) { return ((GLUE_CHANNEL *)(void *)h)->CoreCtx; }
static void OpSetPointer(kc_vmbchannel h, void *p) { ((GLUE_CHANNEL *)(void *)h)->CoreCtx = p; }
static kc_status OpCtxSize(kc_vmbchannel h, uint32_t v) { return T->VmbChannelInitSetClientContextSize(CH(h), v); }
static kc_status OpFlags(kc_vmbchannel h, uint32_t v) { return T->VmbChannelInitSetFlags(CH(h), v); }

static kc_status OpName(kc_vmbchannel h, const uint16_t *name, uint32_t bytes)
{
    UNICODE_STRING us;
    us.Buffer = (PWCH)name;
    us.Length = us.MaximumLength = (USHORT)bytes;
    return T->VmbChannelInitSetFriendlyName(CH(h), &us); /* Q19: KMCL copies or the core keeps it */
}

static kc_status OpMaxExt(kc_vmbchannel h, uint32_t size, uint32_t chain)
{
    return T->VmbChannelInitSetMaximumExternalData(CH(h), size, chain);
}

static kc_status OpMaxPacket(kc_vmbchannel h, uint32_t v) { return T->VmbChannelInitSetMaximumPacketSize(CH(h), v); }

static kc_status OpPacketCallbacks(kc_vmbchannel h, kc_evt_process_packet pp, kc_evt_processing_complete pc)
{
    GLUE_CHANNEL *g = (GLUE_CHANNEL *)(void *)h;
    g->ProcessPacket = pp;
    g->ProcessingComplete = pc;
    return T->VmbChannelInitSetProcessPacketCallbacks(g->Channel, TrProcessPacket, pc ? TrProcessingComplete : NULL);
}

static kc_status OpStateCallbacks(kc_vmbchannel h, const kc_state_callbacks *cb)
{
    GLUE_CHANNEL *g = (GLUE_CHANNEL *)(void *)h;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS k;
    VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&k);
    k.Version = cb->version; /* passed through so KMCL itself checks them (B22) */
    k.Size = cb->size;
    k.EvtChannelOpened = TrOpened;
    k.EvtChannelClosed = TrClosed;
    k.EvtChannelSuspend = TrSuspend;
    k.EvtChannelStarted = TrStarted;
    k.EvtChannelPostStarted = TrPostStarted;
    g->State = *cb;
    return T->VmbChannelInitSetStateChangeCallbacks(g->Channel, &k);
}

static void OpComplete(kc_vmbcompletion p, const void *buf, uint32_t len)
{
    T->VmbChannelPacketComplete((VMBPACKETCOMPLETION)p, (PVOID)buf, len);
}

static void OpDefer(kc_vmbcompletion p) { T->VmbChannelPacketDeferToPassive((VMBPACKETCOMPLETION)p); }
static void OpFail(kc_vmbcompletion p) { T->VmbChannelPacketFail((VMBPACKETCOMPLETION)p); }

static kc_status OpExternal(kc_vmbcompletion p, uint32_t flags, const void **data, uint32_t *len, void **mapping)
{
    PMDL mdl = NULL;
    *data = NULL;
    *len = 0;
    *mapping = NULL;
    NTSTATUS st = T->VmbChannelPacketGetExternalData((VMBPACKETCOMPLETION)p, flags, &mdl);
    if (st != STATUS_SUCCESS) {
        return st; /* STATUS_PENDING: KMCL delivers the packet again */
    }
    void *address = NULL;
    st = MapKmclMdl(mdl, &address, len, mapping);
    *data = address;
    return st;
}

static void OpPause(kc_vmbchannel h) { T->VmbChannelPause(CH(h)); }

static kc_status OpSendSync(kc_vmbchannel h, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                            uint32_t flags, void *cbuf, uint32_t *csize, const int64_t *timeout)
{
    PMDL mdl = ext_len ? MdlFor(ext, ext_len) : NULL;
    if (ext_len && mdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    LARGE_INTEGER t;
    if (timeout) {
        t.QuadPart = *timeout;
    }
    NTSTATUS st = T->VmbChannelSendSynchronousRequest(CH(h), (PVOID)buf, len, mdl, flags, cbuf, (PUINT32)csize,
                                                      timeout ? &t : NULL);
    if (mdl) {
        IoFreeMdl(mdl);
    }
    return st;
}

static void OpPassive(kc_vmbchannel h, int v) { T->VmbChannelSetIncomingProcessingAtPassive(CH(h), v ? TRUE : FALSE); }

static kc_status OpLatency(kc_vmbchannel h, uint16_t l, uint16_t *orig)
{
    return T->VmbChannelSetInterruptLatency(CH(h), l, orig);
}

static void OpQuota(kc_vmbchannel h, uint32_t q) { T->VmbChannelSetTransactionQuota(CH(h), q); }
static uint32_t OpSizeof(kc_vmbchannel h) { return T->VmbChannelSizeofPacket(CH(h)); }
static void OpStart(kc_vmbchannel h) { T->VmbChannelStart(CH(h)); }

static kc_status OpRingPages(kc_vmbchannel h, uint32_t in, uint32_t out)
{
    return T->VmbClientChannelInitSetRingBufferPageCount(CH(h), in, out);
}

static kc_status OpTargetPnp(kc_vmbchannel h, const kc_guid *type, const kc_guid *inst, kc_evt_pnp_failure f)
{
    GLUE_CHANNEL *g = (GLUE_CHANNEL *)(void *)h;
    g->PnpFailure = f;
    return T->VmbClientChannelInitSetTargetPnp(g->Channel, (LPCGUID)type, (LPCGUID)inst, f ? TrPnpFailure : NULL);
}

/* ---------------------------------------------------------------- packets */
static kc_vmbpacket OpPacketAllocate(kc_vmbchannel h)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*gp), KMCLB_TAG);
    if (gp == NULL) {
        return NULL;
    }
    gp->Packet = T->VmbPacketAllocate(CH(h));
    if (gp->Packet == NULL) {
        ExFreePoolWithTag(gp, KMCLB_TAG);
        return NULL;
    }
    T->VmbPacketSetPointer(gp->Packet, gp);
    return (kc_vmbpacket)(void *)gp;
}

static void OpPacketFree(kc_vmbpacket p)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)(void *)p;
    if (gp->Mdl) {
        IoFreeMdl(gp->Mdl);
    }
    T->VmbPacketFree(gp->Packet);
    ExFreePoolWithTag(gp, KMCLB_TAG);
}

static void *OpPacketGetPointer(kc_vmbpacket p) { return ((GLUE_PACKET *)(void *)p)->CoreCtx; }
static void OpPacketSetPointer(kc_vmbpacket p, void *c) { ((GLUE_PACKET *)(void *)p)->CoreCtx = c; }

static void OpSetRoutine(kc_vmbpacket p, kc_evt_packet_completion fn)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)(void *)p;
    GC(T->VmbPacketGetChannel(gp->Packet))->Completion = fn; /* the core uses one routine per channel */
    T->VmbPacketSetCompletionRoutine(gp->Packet, TrPacketCompletion);
}

static kc_status OpSend(kc_vmbpacket p, const void *buf, uint32_t len, uint32_t flags)
{
    return T->VmbPacketSend(((GLUE_PACKET *)(void *)p)->Packet, (PVOID)buf, len, NULL, flags);
}

static kc_status OpSendMdl(kc_vmbpacket p, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                           uint32_t flags)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)(void *)p;
    gp->Mdl = MdlFor(ext, ext_len); /* freed by the completion trampoline or OpPacketFree */
    if (gp->Mdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return T->VmbPacketSendWithExternalMdl(gp->Packet, (PVOID)buf, len, gp->Mdl, 0, 0, flags);
}

/* The PFN list carries no byte offset: ext starts a page of its own (the core's host-visible
 * pages), so the host reads exactly the external data from its first PFN on. */
static kc_status OpSendPfns(kc_vmbpacket p, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                            uint32_t flags)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)(void *)p;
    NT_ASSERT(BYTE_OFFSET(ext) == 0);
    gp->Mdl = MdlFor(ext, ext_len);
    if (gp->Mdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    UINT32 pages = (UINT32)ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(gp->Mdl), ext_len);
    return T->VmbPacketSendWithExternalPfns(gp->Packet, (PVOID)buf, len, MmGetMdlPfnArray(gp->Mdl), pages, flags);
}

/* ---------------------------------------------------------------- server-only */
/* The core ends *mapping (OpUnmapSystemAddress) before it unmaps the GPADL. */
static kc_status OpMapGpadl(kc_vmbchannel h, uint32_t flags, uint32_t handle, void **addr, uint32_t *size,
                            void **mapping)
{
    PMDL mdl = NULL;
    *addr = NULL;
    *size = 0;
    *mapping = NULL;
    if (!KmclbDriverContext()->HasServer) {
        return STATUS_NOT_SUPPORTED;
    }
    NTSTATUS st = S->VmbChannelMapGpadl(CH(h), flags, handle, &mdl);
    if (NT_SUCCESS(st)) {
        st = MapKmclMdl(mdl, addr, size, mapping);
        if (!NT_SUCCESS(st)) {
            S->VmbChannelUnmapGpadl(CH(h), handle); /* nothing was mapped */
        }
    }
    return st;
}

static void OpUnmapGpadl(kc_vmbchannel h, uint32_t handle)
{
    if (KmclbDriverContext()->HasServer) {
        S->VmbChannelUnmapGpadl(CH(h), handle);
    }
}

#define SERVER_ONLY(call) (KmclbDriverContext()->HasServer ? (call) : STATUS_NOT_SUPPORTED)
static kc_status OpSFlags(kc_vmbchannel h, uint32_t f) { return SERVER_ONLY(S->VmbServerChannelInitSetFlags(CH(h), f)); }
static kc_status OpSMmio(kc_vmbchannel h, uint16_t a, uint16_t b)
{
    return SERVER_ONLY(S->VmbServerChannelInitSetMmioMegabytes(CH(h), a, b));
}
static kc_status OpSIface(kc_vmbchannel h, const kc_guid *t, const kc_guid *i)
{
    return SERVER_ONLY(S->VmbServerChannelInitSetTargetInterfaceId(CH(h), *(const GUID *)t, *(const GUID *)i));
}
static kc_status OpSVtl(kc_vmbchannel h, uint8_t v) { return SERVER_ONLY(S->VmbServerChannelInitSetTargetVtl(CH(h), v)); }

const kc_kmcl_ops KmclbKmdfOps = {
    OpAllocate, OpCleanup, OpCreateGpadl, OpDeleteGpadl, OpDisable, OpEnable, OpInstance, OpMmio, OpGetPointer,
    OpCtxSize, OpFlags, OpName, OpMaxExt, OpMaxPacket, OpPacketCallbacks, OpStateCallbacks, OpComplete, OpDefer,
    OpFail, OpExternal, OpPause, OpSendSync, OpPassive, OpLatency, OpSetPointer, OpQuota, OpSizeof, OpStart,
    OpRingPages, OpTargetPnp, OpPacketAllocate, OpPacketFree, OpPacketGetPointer, OpSend, OpSendMdl, OpSendPfns,
    OpSetRoutine, OpPacketSetPointer, OpMapGpadl, OpUnmapGpadl, OpSFlags, OpSMmio, OpSIface, OpSVtl,
    NULL, /* query_ring: KMCL exposes no ring occupancy */
    NULL, /* packet_completion_requested: KMCL does not tell the receiver */
    OpUnmapSystemAddress
};
