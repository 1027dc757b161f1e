/* posix_deadline.h - the absolute time pthread_cond_timedwait wants for "at most ms from now". */
#ifndef POSIX_DEADLINE_H
#define POSIX_DEADLINE_H
#include <stdint.h>
#include <time.h>

/* CLOCK_REALTIME (the clock pthread_cond_timedwait measures by default) plus ms; a negative ms is
 * treated as 0, so the deadline has already passed. Header-only so that every pthread user in
 * driver/ can share it without a link dependency. */
static inline struct timespec posix_deadline_after_ms(int64_t ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    if (ms < 0) {
        ms = 0;
    }
    deadline.tv_sec += (time_t)(ms / 1000);
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    return deadline;
}

#endif
