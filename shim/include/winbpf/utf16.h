/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 -> UTF-16LE conversion inside the per-CPU scratch, driven by bpf_loop.
 *
 * Invalid UTF-8 bytes become lone surrogates U+DC80..U+DCFF (the byte value + 0xDC00), so userspace can restore the
 * original bytes exactly. Conversion runs in place: n input bytes at offset in >= n; the output (at most 2 bytes per
 * input byte) starts at in - n and never overtakes the unread input, so a short string touches only the memory
 * right around it (a few cache lines, not two halves of a 64 KiB region).
 */
#pragma once

#include "winbpf/common.h"

/* One loop step: up to eight ASCII bytes at once, or one code point. Returns 1 when the input is used up. With
 * nul_to_space (a constant), NUL bytes (argv separators) become spaces. */
#define WINBPF_DEFINE_UTF16_STEP(step_name, region, mask, nul_to_space)                                                \
    static long step_name(__u64 index, void *vctx)                                                                     \
    {                                                                                                                  \
        (void)index; /* bpf_loop's callback signature */                                                               \
        struct winbpf_scratch *s = ((struct winbpf_loop_ctx *)vctx)->s;                                                \
        struct winbpf_loop_state *c = &s->loop;                                                                        \
        __u32 in = c->in, end = c->in_end, out = c->out;                                                               \
        if (in >= end)                                                                                                 \
            return 1;                                                                                                  \
        __u8 *r = s->region;                                                                                           \
        __u32 avail = end - in;                                                                                        \
        /* ASCII fast path: 8 bytes, or the last 1..7 (the bytes after the input are masked off; the lanes written     \
         * for them land after the output, in memory the caller does not use). */                                      \
        __u32 take = avail < 8 ? avail : 8;                                                                            \
        __u64 w = *(__u64 *)(r + (in & (mask)));                                                                       \
        if (take < 8)                                                                                                  \
            w &= ~0ULL >> (64 - 8 * take);                                                                             \
        if ((w & 0x8080808080808080ULL) == 0) {                                                                        \
            __u16 *o = (__u16 *)(r + (out & (mask)));                                                                  \
            _Pragma("unroll") for (int k = 0; k < 8; k++)                                                              \
            {                                                                                                          \
                __u16 ch = (w >> (8 * k)) & 0xff;                                                                      \
                o[k] = ((nul_to_space) && ch == 0) ? ' ' : ch;                                                         \
            }                                                                                                          \
            c->in = in + take;                                                                                         \
            c->out = out + 2 * take;                                                                                   \
            return 0;                                                                                                  \
        }                                                                                                              \
        __u32 b0 = r[in & (mask)];                                                                                     \
        __u32 b1 = avail > 1 ? r[(in + 1) & (mask)] : 0;                                                               \
        __u32 b2 = avail > 2 ? r[(in + 2) & (mask)] : 0;                                                               \
        __u32 b3 = avail > 3 ? r[(in + 3) & (mask)] : 0;                                                               \
        __u32 cp, len = 1;                                                                                             \
        if (b0 < 0x80) {                                                                                               \
            cp = ((nul_to_space) && b0 == 0) ? ' ' : b0;                                                               \
        } else if (b0 >= 0xC2 && b0 <= 0xDF && (b1 & 0xC0) == 0x80) {                                                  \
            cp = ((b0 & 0x1F) << 6) | (b1 & 0x3F);                                                                     \
            len = 2;                                                                                                   \
        } else if (b0 >= 0xE0 && b0 <= 0xEF && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 &&                           \
                   !(b0 == 0xE0 && b1 < 0xA0) && !(b0 == 0xED && b1 >= 0xA0)) {                                        \
            cp = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);                                               \
            len = 3;                                                                                                   \
        } else if (b0 >= 0xF0 && b0 <= 0xF4 && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && (b3 & 0xC0) == 0x80 &&    \
                   !(b0 == 0xF0 && b1 < 0x90) && !(b0 == 0xF4 && b1 >= 0x90)) {                                        \
            cp = ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F);                         \
            len = 4;                                                                                                   \
        } else {                                                                                                       \
            cp = 0xDC00 | b0; /* surrogate escape of an invalid byte */                                                \
        }                                                                                                              \
        __u16 *o = (__u16 *)(r + (out & (mask)));                                                                      \
        if (cp >= 0x10000) {                                                                                           \
            cp -= 0x10000;                                                                                             \
            o[0] = 0xD800 | (cp >> 10);                                                                                \
            o[1] = 0xDC00 | (cp & 0x3FF);                                                                              \
            c->out = out + 4;                                                                                          \
        } else {                                                                                                       \
            o[0] = cp;                                                                                                 \
            c->out = out + 2;                                                                                          \
        }                                                                                                              \
        c->in = in + len;                                                                                              \
        return 0;                                                                                                      \
    }

WINBPF_DEFINE_UTF16_STEP(winbpf_utf16_step_cmd, cmd, WINBPF_CMD_REGION - 1, 1)
WINBPF_DEFINE_UTF16_STEP(winbpf_utf16_step_text, text, WINBPF_TEXT_REGION - 1, 0)

/* Convert n bytes of argv at cmd[in] (in >= n) into UTF-16LE at cmd[0], NUL separators becoming spaces; returns the
 * output length in bytes. */
static __always_inline __u32 winbpf_utf16_cmd(struct winbpf_scratch *s, __u32 in, __u32 n)
{
    struct winbpf_loop_ctx lc = {.s = s};
    s->loop.in = in;
    s->loop.in_end = in + n;
    s->loop.out = 0;
    bpf_loop(n, winbpf_utf16_step_cmd, &lc, 0);
    return s->loop.out;
}

/* Convert n bytes at text[in] (in >= n) into UTF-16LE at text[in - n], recorded in s->loop.text_start; returns the
 * output length in bytes. */
static __always_inline __u32 winbpf_utf16_text(struct winbpf_scratch *s, __u32 in, __u32 n)
{
    struct winbpf_loop_ctx lc = {.s = s};
    s->loop.in = in;
    s->loop.in_end = in + n;
    s->loop.out = in - n;
    s->loop.text_start = in - n;
    bpf_loop(n, winbpf_utf16_step_text, &lc, 0);
    return s->loop.out - (in - n);
}

/* Bytes 0..3 of w as four UTF-16LE code units (zero-extended). */
static __always_inline __u64 winbpf_widen4(__u64 w)
{
    w &= 0xffffffffULL;
    w = (w | (w << 16)) & 0x0000ffff0000ffffULL;
    return (w | (w << 8)) & 0x00ff00ff00ff00ffULL;
}

/* Longest text winbpf_utf16_text_short widens without bpf_loop (bytes: four words). */
#define WINBPF_UTF16_SHORT 32

/* winbpf_utf16_text for a short name (an executable's file name): up to WINBPF_UTF16_SHORT ASCII bytes are widened
 * with four word loads and eight word stores, no bpf_loop (a helper call and a callback call per 8 bytes); longer or
 * non-ASCII text takes winbpf_utf16_text. Same result, output length and s->loop.text_start; may write up to 64
 * bytes from text[in - n] (the lanes past 2 * n are zero and land after the output, in memory the caller does not
 * use). */
static __always_inline __u32 winbpf_utf16_text_short(struct winbpf_scratch *s, __u32 in, __u32 n)
{
    if (n <= WINBPF_UTF16_SHORT && in >= n && in < WINBPF_TEXT_REGION) {
        const __u64 *src = (const __u64 *)(s->text + (in & (WINBPF_TEXT_REGION - 1)));
        __u64 w[4], any = 0;
#pragma unroll
        for (__u32 i = 0; i < 4; i++) {
            __u32 left = n > 8 * i ? n - 8 * i : 0;
            __u64 keep = left >= 8 ? ~0ULL : left ? ~0ULL >> (64 - 8 * left) : 0;
            w[i] = src[i] & keep;
            any |= w[i];
        }
        if (!(any & 0x8080808080808080ULL)) {
            __u32 start = in - n;
            /* Masked below, not proven in range: Linux 6.1's verifier keeps n's impossible range on this path
             * (umin 9 > umax 7 after the loop's tests) and refuses the pointer arithmetic unmasked. */
            barrier_var(start);
            __u64 *out = (__u64 *)(s->text + (start & (WINBPF_TEXT_REGION - 1)));
#pragma unroll
            for (int i = 0; i < 4; i++) {
                out[2 * i] = winbpf_widen4(w[i]);
                out[2 * i + 1] = winbpf_widen4(w[i] >> 32);
            }
            s->loop.text_start = start;
            s->loop.out = start + 2 * n;
            return 2 * n;
        }
    }
    return winbpf_utf16_text(s, in, n);
}

/* The UTF-16LE string last built in s->text (by winbpf_utf16_text or a fast path). */
static __always_inline __u8 *winbpf_text_result(struct winbpf_scratch *s)
{
    return s->text + (s->loop.text_start & (WINBPF_TEXT_REGION - 1));
}
