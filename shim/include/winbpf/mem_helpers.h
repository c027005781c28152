/* SPDX-License-Identifier: MIT */
/*
 * eBPF-for-Windows memory and string helpers (docs/compatibility.md), implemented with Linux helpers.
 * Sizes are bytes. Pointers may be stack, map values or any kernel memory the program may read.
 * As on Windows, the verifier must be able to bound every size by the destination's real size.
 */
#pragma once

#include "winbpf/common.h"

/* Copy src_size bytes. 0, or -EINVAL when src_size > dst_size (nothing copied), or a read error. */
static __always_inline int bpf_memcpy_s(void *dst, __u64 dst_size, const void *src, __u64 src_size)
{
    /* The compiler may drop this check as implied by the program's own clamp, on another register than the one the
     * helper gets; the verifier then sees an unbounded size. The barrier keeps the check on the helper's register. */
    barrier_var(src_size);
    if (src_size > dst_size)
        return -EINVAL;
    /* Apart, or clang folds both tests into one range check on src_size - 1 that 6.1's verifier cannot use. */
    barrier_var(src_size);
    if (src_size == 0)
        return 0;
    return bpf_probe_read_kernel(dst, src_size, src) ? -EFAULT : 0;
}

/* As bpf_memcpy_s; the regions may overlap (copied through the per-CPU bounce buffer, at most 64 KiB). */
static __always_inline int bpf_memmove_s(void *dst, __u64 dst_size, const void *src, __u64 src_size)
{
    if (src_size > dst_size)
        return -EINVAL;
    if (src_size == 0)
        return 0;
    struct winbpf_scratch *s = winbpf_scratch_get();
    if (!s)
        return -EINVAL;
    /* The size the reads take is loaded again (volatile) and tested right there, and the reads take the value defined
     * after the test (barrier_var): otherwise clang may drop the tests as already known and pass a copy spilled before
     * them, whose bound Linux 6.1's verifier does not know. */
    volatile __u64 size_slot = src_size;
    __u64 size = size_slot;
    if (size > dst_size || size > WINBPF_BOUNCE_REGION)
        return -EINVAL;
    barrier_var(size);
    if (bpf_probe_read_kernel(s->bounce, size, src))
        return -EFAULT;
    return bpf_probe_read_kernel(dst, size, s->bounce) ? -EFAULT : 0;
}

/* Longest run the memcmp/strnlen loops step through (16 MiB): a constant bound on the offset, which 6.1's verifier
 * needs before adding it to a map value pointer (it does not bound a register by another register's range). */
#define WINBPF_MEM_LOOP_MAX (1ULL << 24)

struct winbpf_memcmp_state {
    __u64 a, b, n;
    int result;
};

static long winbpf_memcmp_step(__u64 index, void *vctx)
{
    struct winbpf_memcmp_state *st = vctx;
    __u64 off = index * 8;
    if (off >= WINBPF_MEM_LOOP_MAX)
        return 1;
    barrier_var(off);
    if (off >= st->n)
        return 1;
    __u64 chunk = st->n - off;
    if (chunk > 8)
        chunk = 8;
    __u64 wa = 0, wb = 0;
    bpf_probe_read_kernel(&wa, chunk, (const void *)(st->a + off));
    bpf_probe_read_kernel(&wb, chunk, (const void *)(st->b + off));
    if (wa == wb)
        return 0;
    for (int k = 0; k < 8; k++) {
        int ca = (wa >> (8 * k)) & 0xff, cb = (wb >> (8 * k)) & 0xff;
        if (ca != cb) {
            st->result = ca - cb;
            return 1;
        }
    }
    return 0;
}

/* memcmp over min(a_size, b_size) bytes: < 0, 0 or > 0. */
static __always_inline int bpf_memcmp_s(const void *a, __u64 a_size, const void *b, __u64 b_size)
{
    struct winbpf_memcmp_state st = {.a = (__u64)a, .b = (__u64)b, .n = a_size < b_size ? a_size : b_size};
    bpf_loop((st.n + 7) / 8, winbpf_memcmp_step, &st, 0);
    return st.result;
}

/* Fill size bytes of mem with (uint8_t)value. Note the argument order (Windows): mem, size, value. */
static __always_inline long bpf_memset(void *mem, __u64 size, int value)
{
    if (size == 0)
        return 0;
    if ((value & 0xff) == 0) {
        /* The kernel zero-fills the destination of a failed bpf_probe_read_kernel; address 0 always fails. */
        bpf_probe_read_kernel(mem, size, (const void *)0);
        return 0;
    }
    if (size > WINBPF_BOUNCE_REGION)
        return -EINVAL;
    struct winbpf_scratch *s = winbpf_scratch_get();
    if (!s)
        return -EINVAL;
    s->bounce[0] = value;
#pragma unroll
    for (__u32 done = 1; done < WINBPF_BOUNCE_REGION; done *= 2) {
        if (done >= size)
            break;
        bpf_probe_read_kernel(s->bounce + done, done, s->bounce);
    }
    return bpf_probe_read_kernel(mem, size, s->bounce) ? -EFAULT : 0;
}

struct winbpf_strnlen_state {
    __u64 str, size, len;
};

static long winbpf_strnlen_step(__u64 index, void *vctx)
{
    struct winbpf_strnlen_state *st = vctx;
    __u64 off = index * 8;
    if (off >= WINBPF_MEM_LOOP_MAX)
        return 1;
    barrier_var(off);
    if (off >= st->size)
        return 1;
    __u64 chunk = st->size - off;
    if (chunk > 8)
        chunk = 8;
    __u64 w = 0;
    if (bpf_probe_read_kernel(&w, chunk, (const void *)(st->str + off))) {
        st->len = off;
        return 1;
    }
    for (__u32 k = 0; k < 8; k++) {
        if (k < chunk && ((w >> (8 * k)) & 0xff) == 0) {
            st->len = off + k;
            return 1;
        }
    }
    return 0;
}

/* Length of str without its NUL, at most str_size. */
static __always_inline __u64 bpf_strnlen_s(const char *str, __u64 str_size)
{
    struct winbpf_strnlen_state st = {.str = (__u64)str, .size = str_size, .len = str_size};
    bpf_loop((str_size + 7) / 8, winbpf_strnlen_step, &st, 0);
    return st.len;
}

/* Copy at most count characters of src and a NUL into dst. 0, or -ERANGE when they do not fit. */
static __always_inline long bpf_strncpy_s(char *dst, __u64 dst_size, const char *src, __u64 count)
{
    __u64 len = bpf_strnlen_s(src, count);
    if (len >= dst_size)
        return -ERANGE;
    if (len && bpf_probe_read_kernel(dst, len, src))
        return -EFAULT;
    dst[len] = 0;
    return 0;
}

/* Append at most count characters of src and a NUL to the string in dst. 0, or -ERANGE when they do not fit.
 * dst_size is limited to 32 KiB (the concatenation is built in the per-CPU bounce buffer). */
static __always_inline long bpf_strncat_s(char *dst, __u64 dst_size, const char *src, __u64 count)
{
    __u64 have = bpf_strnlen_s(dst, dst_size);
    __u64 add = bpf_strnlen_s(src, count);
    if (have >= dst_size || add >= dst_size - have || dst_size > WINBPF_BOUNCE_REGION / 2)
        return -ERANGE;
    struct winbpf_scratch *s = winbpf_scratch_get();
    if (!s)
        return -ERANGE;
    __u64 total = have + add;
    have &= WINBPF_BOUNCE_REGION / 2 - 1;
    add &= WINBPF_BOUNCE_REGION / 2 - 1;
    /* All dst_size bytes of dst go through the bounce buffer, so writing dst_size bytes back changes only the first
     * total + 1: a copy sized by dst_size, which every verifier bounds (6.1's cannot bound total by dst_size). */
    barrier_var(dst_size);
    if (dst_size > WINBPF_BOUNCE_REGION / 2)
        return -ERANGE;
    if (bpf_probe_read_kernel(s->bounce, dst_size, dst))
        return -EFAULT;
    if (add && bpf_probe_read_kernel(s->bounce + have, add, src))
        return -EFAULT;
    if (total >= dst_size)
        return -ERANGE;
    s->bounce[total & (WINBPF_BOUNCE_REGION - 1)] = 0;
    return bpf_probe_read_kernel(dst, dst_size, s->bounce) ? -EFAULT : 0;
}

/* Small constant sizes compile to plain loads and stores; everything else goes through the helpers above. */
#define WINBPF_INLINE_MEM_MAX 128
/* The destination's size where the compiler knows it (an array, a struct member), else n: then bpf_memcpy_s bounds a
 * run-time n by a constant the verifier sees, however the program clamped it. */
#define WINBPF_DST_SIZE(dst, n)                                                                                        \
    (__builtin_object_size((dst), 1) != (__SIZE_TYPE__)-1 ? __builtin_object_size((dst), 1) : (n))
#define memcpy(dst, src, n)                                                                                            \
    (__builtin_constant_p(n) && (n) <= WINBPF_INLINE_MEM_MAX                                                           \
         ? __builtin_memcpy((dst), (src), (n))                                                                         \
         : (bpf_memcpy_s((dst), WINBPF_DST_SIZE((dst), (n)), (src), (n)), (void *)(dst)))
#define memset(dst, value, n)                                                                                          \
    (__builtin_constant_p(n) && (n) <= WINBPF_INLINE_MEM_MAX ? __builtin_memset((dst), (value), (n))                   \
                                                             : (bpf_memset((dst), (n), (value)), (void *)(dst)))
#define memmove(dst, src, n) (bpf_memmove_s((dst), (n), (src), (n)), (void *)(dst))
#define memcmp(a, b, n) bpf_memcmp_s((a), (n), (b), (n))
#define memcpy_s(dst, dst_size, src, n) bpf_memcpy_s((dst), (dst_size), (src), (n))
#define memmove_s(dst, dst_size, src, n) bpf_memmove_s((dst), (dst_size), (src), (n))
