/* kmcl_ops_kmdf.c - kc_kmcl_ops over the real KMCL table (Windows only; type-checked here by
 * scripts/check-driver, never built or run here). Thin wrappers: per-channel and per-packet glue
 * records keep the core's callbacks and contexts so the KMCL callbacks can be trampolined into the
 * core; buffers become MDLs / PFN lists. Client channels only: a channel is allocated on the bound
 * device's FDO and aimed at that device's own offer; server channels are not supported on native. */
#include "kmdf_glue.h"

static EVT_VMB_CHANNEL_PROCESS_PACKET TrProcessPacket;
static EVT_VMB_CHANNEL_PROCESSING_COMPLETE TrProcessingComplete;
static EVT_VMB_CHANNEL_OPENED TrOpened;
static EVT_VMB_CHANNEL_CLOSED TrClosed;
static EVT_VMB_CHANNEL_SUSPEND TrSuspend;
static EVT_VMB_CHANNEL_STARTED TrStarted;
static EVT_VMB_CHANNEL_POST_STARTED TrPostStarted;
static EVT_VMB_CHANNEL_PNP_FAILURE TrPnpFailure;
static EVT_VMB_PACKET_COMPLETION_ROUTINE TrPacketCompletion;

typedef struct GLUE_CHANNEL {
    VMBCHANNEL Channel;
    BOUND_DEVICE_CONTEXT *Bound; /* the device it was allocated on (outlives it: endpoint teardown) */
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

/* vmbkmcl.sys's functions (kmdf_glue.h: valid while any channel exists) */
static const KMCL_CLIENT_INTERFACE_V1 *Kmcl(void)
{
    return &KmclbDriver->Kmcl;
}

static GLUE_CHANNEL *Glue(kc_vmbchannel handle)
{
    return (GLUE_CHANNEL *)(void *)handle;
}

static VMBCHANNEL ChannelOf(kc_vmbchannel handle)
{
    return Glue(handle)->Channel;
}

static GLUE_CHANNEL *GlueOfChannel(VMBCHANNEL channel)
{
    return (GLUE_CHANNEL *)Kmcl()->VmbChannelGetPointer(channel);
}

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
    GLUE_CHANNEL *g = GlueOfChannel(ch);
    g->ProcessPacket(g->CoreCtx, (kc_vmbcompletion)p, buf, len, flags);
}

static VOID TrProcessingComplete(VMBCHANNEL ch, UINT32 count)
{
    GLUE_CHANNEL *g = GlueOfChannel(ch);
    g->ProcessingComplete(g->CoreCtx, count);
}

static NTSTATUS TrOpened(VMBCHANNEL ch)
{
    GLUE_CHANNEL *g = GlueOfChannel(ch);
    return g->State.opened ? g->State.opened(g->CoreCtx) : STATUS_SUCCESS;
}

/* a state callback the core registered (may be NULL) */
static void ToCore(VMBCHANNEL ch, kc_evt_channel callback)
{
    if (callback != NULL) {
        callback(GlueOfChannel(ch)->CoreCtx);
    }
}

static VOID TrClosed(VMBCHANNEL ch)
{
    ToCore(ch, GlueOfChannel(ch)->State.closed);
}

static VOID TrSuspend(VMBCHANNEL ch)
{
    ToCore(ch, GlueOfChannel(ch)->State.suspend);
}

static VOID TrStarted(VMBCHANNEL ch)
{
    ToCore(ch, GlueOfChannel(ch)->State.started);
}

static VOID TrPostStarted(VMBCHANNEL ch)
{
    ToCore(ch, GlueOfChannel(ch)->State.post_started);
}

static VOID TrPnpFailure(VMBCHANNEL ch, NTSTATUS st)
{
    GLUE_CHANNEL *g = GlueOfChannel(ch);
    if (g->PnpFailure) {
        g->PnpFailure(g->CoreCtx, st);
    }
}

static VOID TrPacketCompletion(VMBPACKET p, NTSTATUS st, PVOID buf, UINT32 len)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)Kmcl()->VmbPacketGetPointer(p);
    GLUE_CHANNEL *g = GlueOfChannel(Kmcl()->VmbPacketGetChannel(p));
    if (gp->Mdl != NULL) {
        IoFreeMdl(gp->Mdl);
        gp->Mdl = NULL;
    }
    g->Completion(gp->CoreCtx, st, buf, len);
}

/* ---------------------------------------------------------------- channel */
/* A client channel with the bound device's FDO as parent, aimed at that device's own offer (type from
 * its compatible id, instance from its instance id). Server channels: no documented way for a third-
 * party driver to reach KMCL's server table or a VM (README), so they are refused. */
static kc_status OpAllocate(void *device, int is_server, kc_vmbchannel *out)
{
    BOUND_DEVICE_CONTEXT *bound = (BOUND_DEVICE_CONTEXT *)device;
    *out = NULL;
    if (is_server) {
        return STATUS_NOT_SUPPORTED;
    }
    GLUE_CHANNEL *g = (GLUE_CHANNEL *)KmclbAllocateZeroed(sizeof(*g));
    if (g == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    g->Bound = bound;
    NTSTATUS st = Kmcl()->VmbChannelAllocate(WdfDeviceWdmGetDeviceObject(bound->Device), FALSE, &g->Channel);
    if (!NT_SUCCESS(st)) {
        KmclbFree(g);
        return st;
    }
    Kmcl()->VmbChannelSetPointer(g->Channel, g);
    st = Kmcl()->VmbClientChannelInitSetTargetPnp(g->Channel, (LPCGUID)&bound->Type, (LPCGUID)&bound->Instance, NULL);
    if (!NT_SUCCESS(st)) {
        Kmcl()->VmbChannelCleanup(g->Channel);
        KmclbFree(g);
        return st;
    }
    *out = (kc_vmbchannel)(void *)g;
    return STATUS_SUCCESS;
}

static void OpCleanup(kc_vmbchannel h)
{
    Kmcl()->VmbChannelCleanup(ChannelOf(h));
    KmclbFree(Glue(h));
}

static kc_status OpCreateGpadl(kc_vmbchannel h, uint32_t flags, void *buf, uint32_t size, uint32_t *handle)
{
    return Kmcl()->VmbChannelCreateGpadlFromBuffer(ChannelOf(h), flags, buf, size, (PUINT32)handle);
}

static void OpDeleteGpadl(kc_vmbchannel h, uint32_t handle) { Kmcl()->VmbChannelDeleteGpadl(ChannelOf(h), handle); }
static void OpDisable(kc_vmbchannel h) { Kmcl()->VmbChannelDisable(ChannelOf(h)); }
static kc_status OpEnable(kc_vmbchannel h) { return Kmcl()->VmbChannelEnable(ChannelOf(h)); }
static void OpInstance(kc_vmbchannel h, kc_guid *out) { Kmcl()->VmbChannelGetInterfaceInstance(ChannelOf(h), (LPGUID)out); }
static void OpMmio(kc_vmbchannel h, uint64_t *a, uint64_t *s) { Kmcl()->VmbChannelGetMmioSpace(ChannelOf(h), a, s); }
static void *OpGetPointer(kc_vmbchannel h) { return ((GLUE_CHANNEL *)(void *)h)->CoreCtx; }
static void OpSetPointer(kc_vmbchannel h, void *p) { ((GLUE_CHANNEL *)(void *)h)->CoreCtx = p; }
static kc_status OpCtxSize(kc_vmbchannel h, uint32_t v) { return Kmcl()->VmbChannelInitSetClientContextSize(ChannelOf(h), v); }
static kc_status OpFlags(kc_vmbchannel h, uint32_t v) { return Kmcl()->VmbChannelInitSetFlags(ChannelOf(h), v); }

static kc_status OpName(kc_vmbchannel h, const uint16_t *name, uint32_t bytes)
{
    UNICODE_STRING us;
    us.Buffer = (PWCH)name;
    us.Length = us.MaximumLength = (USHORT)bytes;
    return Kmcl()->VmbChannelInitSetFriendlyName(ChannelOf(h), &us); /* Q19: KMCL copies or the core keeps it */
}

static kc_status OpMaxExt(kc_vmbchannel h, uint32_t size, uint32_t chain)
{
    return Kmcl()->VmbChannelInitSetMaximumExternalData(ChannelOf(h), size, chain);
}

static kc_status OpMaxPacket(kc_vmbchannel h, uint32_t v) { return Kmcl()->VmbChannelInitSetMaximumPacketSize(ChannelOf(h), v); }

static kc_status OpPacketCallbacks(kc_vmbchannel h, kc_evt_process_packet pp, kc_evt_processing_complete pc)
{
    GLUE_CHANNEL *g = (GLUE_CHANNEL *)(void *)h;
    g->ProcessPacket = pp;
    g->ProcessingComplete = pc;
    return Kmcl()->VmbChannelInitSetProcessPacketCallbacks(g->Channel, TrProcessPacket, pc ? TrProcessingComplete : NULL);
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
    return Kmcl()->VmbChannelInitSetStateChangeCallbacks(g->Channel, &k);
}

static void OpComplete(kc_vmbcompletion p, const void *buf, uint32_t len)
{
    Kmcl()->VmbChannelPacketComplete((VMBPACKETCOMPLETION)p, (PVOID)buf, len);
}

static void OpDefer(kc_vmbcompletion p) { Kmcl()->VmbChannelPacketDeferToPassive((VMBPACKETCOMPLETION)p); }
static void OpFail(kc_vmbcompletion p) { Kmcl()->VmbChannelPacketFail((VMBPACKETCOMPLETION)p); }

static kc_status OpExternal(kc_vmbcompletion p, uint32_t flags, const void **data, uint32_t *len, void **mapping)
{
    PMDL mdl = NULL;
    *data = NULL;
    *len = 0;
    *mapping = NULL;
    NTSTATUS st = Kmcl()->VmbChannelPacketGetExternalData((VMBPACKETCOMPLETION)p, flags, &mdl);
    if (st != STATUS_SUCCESS) {
        return st; /* STATUS_PENDING: KMCL delivers the packet again */
    }
    void *address = NULL;
    st = MapKmclMdl(mdl, &address, len, mapping);
    *data = address;
    return st;
}

static void OpPause(kc_vmbchannel h) { Kmcl()->VmbChannelPause(ChannelOf(h)); }

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
    NTSTATUS st = Kmcl()->VmbChannelSendSynchronousRequest(ChannelOf(h), (PVOID)buf, len, mdl, flags, cbuf, (PUINT32)csize,
                                                      timeout ? &t : NULL);
    if (mdl) {
        IoFreeMdl(mdl);
    }
    return st;
}

static void OpPassive(kc_vmbchannel h, int v) { Kmcl()->VmbChannelSetIncomingProcessingAtPassive(ChannelOf(h), v ? TRUE : FALSE); }

static kc_status OpLatency(kc_vmbchannel h, uint16_t l, uint16_t *orig)
{
    return Kmcl()->VmbChannelSetInterruptLatency(ChannelOf(h), l, orig);
}

static void OpQuota(kc_vmbchannel h, uint32_t q) { Kmcl()->VmbChannelSetTransactionQuota(ChannelOf(h), q); }
static uint32_t OpSizeof(kc_vmbchannel h) { return Kmcl()->VmbChannelSizeofPacket(ChannelOf(h)); }
static void OpStart(kc_vmbchannel h) { Kmcl()->VmbChannelStart(ChannelOf(h)); }

static kc_status OpRingPages(kc_vmbchannel h, uint32_t in, uint32_t out)
{
    return Kmcl()->VmbClientChannelInitSetRingBufferPageCount(ChannelOf(h), in, out);
}

/* The channel is aimed at its device's offer already (OpAllocate); a configuration may name that same
 * offer (to get the PnP-failure callback), never another one. */
static kc_status OpTargetPnp(kc_vmbchannel h, const kc_guid *type, const kc_guid *inst, kc_evt_pnp_failure f)
{
    GLUE_CHANNEL *g = Glue(h);
    if (RtlCompareMemory(type, &g->Bound->Type, sizeof(*type)) != sizeof(*type) ||
        (inst != NULL && RtlCompareMemory(inst, &g->Bound->Instance, sizeof(*inst)) != sizeof(*inst))) {
        return STATUS_INVALID_PARAMETER;
    }
    g->PnpFailure = f;
    return Kmcl()->VmbClientChannelInitSetTargetPnp(g->Channel, (LPCGUID)&g->Bound->Type, (LPCGUID)&g->Bound->Instance,
                                                    f ? TrPnpFailure : NULL);
}

/* ---------------------------------------------------------------- packets */
static kc_vmbpacket OpPacketAllocate(kc_vmbchannel h)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)KmclbAllocateZeroed(sizeof(*gp));
    if (gp == NULL) {
        return NULL;
    }
    gp->Packet = Kmcl()->VmbPacketAllocate(ChannelOf(h));
    if (gp->Packet == NULL) {
        KmclbFree(gp);
        return NULL;
    }
    Kmcl()->VmbPacketSetPointer(gp->Packet, gp);
    return (kc_vmbpacket)(void *)gp;
}

static void OpPacketFree(kc_vmbpacket p)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)(void *)p;
    if (gp->Mdl) {
        IoFreeMdl(gp->Mdl);
    }
    Kmcl()->VmbPacketFree(gp->Packet);
    KmclbFree(gp);
}

static void *OpPacketGetPointer(kc_vmbpacket p) { return ((GLUE_PACKET *)(void *)p)->CoreCtx; }
static void OpPacketSetPointer(kc_vmbpacket p, void *c) { ((GLUE_PACKET *)(void *)p)->CoreCtx = c; }

static void OpSetRoutine(kc_vmbpacket p, kc_evt_packet_completion fn)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)(void *)p;
    GlueOfChannel(Kmcl()->VmbPacketGetChannel(gp->Packet))->Completion = fn; /* the core uses one routine per channel */
    Kmcl()->VmbPacketSetCompletionRoutine(gp->Packet, TrPacketCompletion);
}

static kc_status OpSend(kc_vmbpacket p, const void *buf, uint32_t len, uint32_t flags)
{
    return Kmcl()->VmbPacketSend(((GLUE_PACKET *)(void *)p)->Packet, (PVOID)buf, len, NULL, flags);
}

static kc_status OpSendMdl(kc_vmbpacket p, const void *buf, uint32_t len, const void *ext, uint32_t ext_len,
                           uint32_t flags)
{
    GLUE_PACKET *gp = (GLUE_PACKET *)(void *)p;
    gp->Mdl = MdlFor(ext, ext_len); /* freed by the completion trampoline or OpPacketFree */
    if (gp->Mdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return Kmcl()->VmbPacketSendWithExternalMdl(gp->Packet, (PVOID)buf, len, gp->Mdl, 0, 0, flags);
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
    return Kmcl()->VmbPacketSendWithExternalPfns(gp->Packet, (PVOID)buf, len, MmGetMdlPfnArray(gp->Mdl), pages, flags);
}

/* ---------------------------------------------------------------- server-only: not on native
 * (OpAllocate refuses server channels; a client configuration naming a server setting gets this) */
static kc_status OpMapGpadl(kc_vmbchannel h, uint32_t flags, uint32_t handle, void **addr, uint32_t *size,
                            void **mapping)
{
    UNREFERENCED_PARAMETER(h);
    UNREFERENCED_PARAMETER(flags);
    UNREFERENCED_PARAMETER(handle);
    *addr = NULL;
    *size = 0;
    *mapping = NULL;
    return STATUS_NOT_SUPPORTED;
}
static void OpUnmapGpadl(kc_vmbchannel h, uint32_t handle) { UNREFERENCED_PARAMETER(h); UNREFERENCED_PARAMETER(handle); }
static kc_status OpServerFlags(kc_vmbchannel h, uint32_t flags)
{
    UNREFERENCED_PARAMETER(h);
    UNREFERENCED_PARAMETER(flags);
    return STATUS_NOT_SUPPORTED;
}
static kc_status OpServerMmio(kc_vmbchannel h, uint16_t megabytes, uint16_t optional)
{
    UNREFERENCED_PARAMETER(h);
    UNREFERENCED_PARAMETER(megabytes);
    UNREFERENCED_PARAMETER(optional);
    return STATUS_NOT_SUPPORTED;
}
static kc_status OpServerInterface(kc_vmbchannel h, const kc_guid *type, const kc_guid *instance)
{
    UNREFERENCED_PARAMETER(h);
    UNREFERENCED_PARAMETER(type);
    UNREFERENCED_PARAMETER(instance);
    return STATUS_NOT_SUPPORTED;
}
static kc_status OpServerVtl(kc_vmbchannel h, uint8_t vtl)
{
    UNREFERENCED_PARAMETER(h);
    UNREFERENCED_PARAMETER(vtl);
    return STATUS_NOT_SUPPORTED;
}

const kc_kmcl_ops KmclbKmdfOps = {
    OpAllocate, OpCleanup, OpCreateGpadl, OpDeleteGpadl, OpDisable, OpEnable, OpInstance, OpMmio, OpGetPointer,
    OpCtxSize, OpFlags, OpName, OpMaxExt, OpMaxPacket, OpPacketCallbacks, OpStateCallbacks, OpComplete, OpDefer,
    OpFail, OpExternal, OpPause, OpSendSync, OpPassive, OpLatency, OpSetPointer, OpQuota, OpSizeof, OpStart,
    OpRingPages, OpTargetPnp, OpPacketAllocate, OpPacketFree, OpPacketGetPointer, OpSend, OpSendMdl, OpSendPfns,
    OpSetRoutine, OpPacketSetPointer, OpMapGpadl, OpUnmapGpadl, OpServerFlags, OpServerMmio, OpServerInterface, OpServerVtl,
    NULL, /* query_ring: KMCL exposes no ring occupancy */
    NULL, /* packet_completion_requested: KMCL does not tell the receiver */
    OpUnmapSystemAddress
};
