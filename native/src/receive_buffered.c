/* receive_buffered.c - tr_receive for a transport without split output (win32): the request goes
 * through tr_ioctl with one METHOD_BUFFERED output buffer (header, then records), and the records
 * are copied to the caller's buffer. */
#include <stdlib.h>
#include <string.h>
#include "transport.h"

int32_t tr_receive(void *t, const void *in, uint32_t in_len, kmclb_receive_out *header, void *records,
                   uint32_t capacity, uint32_t *info, int64_t wait_ms)
{
    uint32_t out_len = (uint32_t)sizeof(kmclb_receive_out) + capacity;
    uint8_t *out = (uint8_t *)malloc(out_len);
    *info = 0;
    if (out == NULL) {
        return KMCLB_STATUS_INSUFFICIENT_RESOURCES;
    }
    int32_t st = tr_ioctl(t, IOCTL_KMCLB_RECEIVE, in, in_len, out, out_len, info, wait_ms);
    if (st >= 0 && *info >= sizeof(kmclb_receive_out) && *info <= out_len) {
        memcpy(header, out, sizeof(kmclb_receive_out));
        if (*info > sizeof(kmclb_receive_out)) {
            memcpy(records, out + sizeof(kmclb_receive_out), *info - sizeof(kmclb_receive_out));
        }
    }
    free(out);
    return st;
}
