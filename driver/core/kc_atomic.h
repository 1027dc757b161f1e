/* kc_atomic.h - the few sequentially consistent atomic operations the core uses outside its lock
 * (a session's count of requests in flight and its closing flag, kc_sessions.c). Compiler
 * intrinsics, so that the kernel build (MSVC) and the POSIX builds (GCC, Clang) share the code;
 * a full barrier each, which the Dekker-style handshake in kc_sessions.c needs. */
#ifndef KC_ATOMIC_H
#define KC_ATOMIC_H
#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
typedef volatile long kc_atomic32;
static inline int32_t kc_atomic_increment(kc_atomic32 *v)
{
    return (int32_t)_InterlockedIncrement(v);
}
static inline int32_t kc_atomic_decrement(kc_atomic32 *v)
{
    return (int32_t)_InterlockedDecrement(v);
}
static inline int32_t kc_atomic_load(kc_atomic32 *v)
{
    return (int32_t)_InterlockedCompareExchange(v, 0, 0);
}
static inline void kc_atomic_store(kc_atomic32 *v, int32_t value)
{
    (void)_InterlockedExchange(v, (long)value);
}
#else
typedef int32_t kc_atomic32;
static inline int32_t kc_atomic_increment(kc_atomic32 *v)
{
    return __atomic_add_fetch(v, 1, __ATOMIC_SEQ_CST);
}
static inline int32_t kc_atomic_decrement(kc_atomic32 *v)
{
    return __atomic_sub_fetch(v, 1, __ATOMIC_SEQ_CST);
}
static inline int32_t kc_atomic_load(kc_atomic32 *v)
{
    return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}
static inline void kc_atomic_store(kc_atomic32 *v, int32_t value)
{
    __atomic_store_n(v, value, __ATOMIC_SEQ_CST);
}
#endif

#endif
