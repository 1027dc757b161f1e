/* completion_list.c - ending our transactions: a synchronous request wakes its waiting caller; any
 * other send gets its completion routine queued, to run after the world lock is released. */
#include <stdlib.h>
#include "fakekmcl_internal.h"

static uint8_t *copy_reply(const void *reply, uint32_t length)
{
    return length > 0 ? fake_copy_payload(reply, length, NULL, 0) : NULL;
}

void fake_finish_outgoing(fake_channel *channel, outgoing_packet *packet, kc_status status, const void *reply,
                          uint32_t reply_length, completion_list *calls)
{
    packet->state = OUTGOING_DONE;
    if (packet->synchronous) {
        packet->synchronous_done = 1;
        packet->synchronous_status = status;
        free(packet->synchronous_reply);
        packet->synchronous_reply = copy_reply(reply, reply_length);
        packet->synchronous_reply_length = reply_length;
        fake_wake(channel->world);
        return;
    }
    completion_call *call = (completion_call *)calloc(1, sizeof(completion_call));
    if (call == NULL) {
        return;
    }
    call->routine = packet->completion_routine;
    call->context = packet->context;
    call->status = status;
    call->payload = copy_reply(reply, reply_length);
    call->length = reply_length;
    if (!packet->custom_routine) {
        call->free_after = packet;
    }
    if (calls->tail != NULL) {
        calls->tail->next = call;
    } else {
        calls->head = call;
    }
    calls->tail = call;
}

void fake_run_completion_calls(fk_world *world, completion_list *calls)
{
    completion_call *call = calls->head;
    calls->head = calls->tail = NULL;
    while (call != NULL) {
        completion_call *next = call->next;
        if (call->routine != NULL) {
            uint8_t irql = fake_thread_irql;
            fake_thread_irql = FAKE_IRQL_DISPATCH; /* B110: completion routines run at <= DISPATCH_LEVEL */
            call->routine(call->context, call->status, call->payload, call->length);
            fake_thread_irql = irql;
        }
        if (call->free_after != NULL) {
            fake_lock(world);
            fake_free_outgoing(call->free_after->channel, call->free_after);
            fake_unlock(world);
        }
        free(call->payload);
        free(call);
        call = next;
    }
}
