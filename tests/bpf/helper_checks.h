/* SPDX-License-Identifier: MIT */
/*
 * Shared between tests/bpf/helper_checks.c (BPF) and the helper test (C++). On the CREATE of the configured
 * process, HelperChecks calls every general helper once and stores what it saw in helper_results[0].
 * Return codes are stored as int64_t whatever the helper's type.
 */
#pragma once

#ifndef __bpf__
#include <stdint.h>
#endif

#define HELPER_BIG_SIZE 65536 /* value size of helper_big: memset(buf, 0, 65520) and a non-zero memset */
#define HELPER_MEMSET_SIZE 65520
#define HELPER_MEMSET_VALUE 0x5a

/* Value of helper_config[0], written by the test before the target process execs. */
struct helper_config {
    uint32_t target_pid;  /* CREATE of this tgid runs the checks (once) */
    uint32_t copy_size;   /* 8: runtime size for memcpy_s / memmove_s (the verifier must bound it) */
    uint32_t large_size;  /* 32: > the 16-byte destinations, for -EINVAL */
    uint32_t string_size; /* 16: runtime size of string buffers */
    uint64_t magic;       /* echoed through bpf_perf_event_output and bpf_printk */
};

/* Record sent with bpf_perf_event_output. */
struct helper_perf_sample {
    uint64_t magic;
    uint64_t process_id;
};

struct helper_results {
    uint64_t done;
    uint64_t process_id;
    uint64_t creation_time; /* ctx->creation_time, to compare with bpf_get_current_thread_create_time */

    int64_t memcpy_ok; /* memcpy_s(dst16, 16, "ABCDEFGH", copy_size) */
    uint8_t memcpy_ok_dst[16];
    int64_t memcpy_einval; /* memcpy_s(dst16, 16, src32, large_size) on a dst filled with 'x' */
    uint8_t memcpy_einval_dst[16];
    int64_t memmove_up; /* memmove_s(buf+2, 14, buf, copy_size), buf "0123456789abcdef" */
    uint8_t memmove_up_buf[16];
    int64_t memmove_down; /* memmove_s(buf, 16, buf+2, copy_size), buf "0123456789abcdef" */
    uint8_t memmove_down_buf[16];
    int64_t memcmp_equal;    /* "abcdef" vs "abcdef", 6/6 */
    int64_t memcmp_less;     /* "abc" vs "abd" */
    int64_t memcmp_greater;  /* "abd" vs "abc" */
    int64_t memcmp_min_size; /* "abcdef" (6) vs "abcxyz" (3) */
    int64_t memset_zero;     /* memset(big[0], 0, 65520): 0 when it yields its destination */
    int64_t memset_value;    /* bpf_memset(big[1], 65520, HELPER_MEMSET_VALUE) */
    int64_t strncpy_ok;      /* strncpy_s(dst16, string_size, "hello", 5) */
    char strncpy_ok_dst[16];
    int64_t strncpy_erange; /* strncpy_s(dst8, 8, "helloworld", 10) */
    int64_t strncat_ok;     /* strncat_s("foo" in dst16, string_size, "bar", 3) */
    char strncat_ok_dst[16];
    int64_t strncat_erange;  /* strncat_s("foobar" in dst8, 8, "xyz", 3) */
    uint64_t strnlen_full;   /* strnlen_s("hello", string_size) */
    uint64_t strnlen_capped; /* strnlen_s("hello", 3) */
    uint64_t ktime_ns;       /* bpf_ktime_get_ns, then bpf_ktime_get_ms */
    uint64_t ktime_ms;
    uint64_t boot_ns; /* bpf_ktime_get_boot_ns, then bpf_ktime_get_boot_ms */
    uint64_t boot_ms;
    uint64_t logon_id;
    int64_t is_admin;
    uint64_t start_key;
    uint64_t start_key_again; /* a second call: the same key */
    uint64_t thread_create_time;
    int64_t perf_output; /* bpf_perf_event_output(ctx, &helper_perf, EBPF_MAP_FLAG_CURRENT_CPU, ...) */
    int64_t printk;      /* bpf_printk with 3 arguments */
    int64_t printk_fewer[3];  /* bpf_printk with 0, 1 and 2 arguments */
    int64_t trace_printk[4];  /* Windows' bpf_trace_printk2 .. bpf_trace_printk5 (0 to 3 arguments) */
    int64_t push[3];     /* push 11, 22, 33 to helper_queue */
    int64_t peek;        /* peek: 11 */
    uint64_t peek_value;
    int64_t pop[2]; /* pop twice: 11, 22 (33 stays for the test) */
    uint64_t pop_value[2];
};
