/* SPDX-License-Identifier: MIT */
/*
 * The general helper checks (docs/compatibility.md), for a handler of any hook: every Windows-only general helper
 * (and the Linux ones a Windows program uses) called once, the outcomes stored in helper_results[0] (layout:
 * helper_checks.h). Define HELPER_CHECKS_CONTEXT as the hook's Windows context type before including; the handler
 * calls run_helper_checks(ctx, process_id) once it has decided the event is the test's.
 * Used by tests/bpf/helper_checks.c (process) and tests/bpf/compat/helpers_bind.c, helpers_netevent.c.
 */
#pragma once

#include "helper_checks.h"

#ifndef HELPER_CHECKS_CONTEXT
#error "define HELPER_CHECKS_CONTEXT as the hook's context type (process_md_t, bind_md_t, ...)"
#endif

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct helper_config);
    __uint(max_entries, 1);
} helper_config SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct helper_results);
    __uint(max_entries, 1);
} helper_results SEC(".maps");

typedef struct
{
    uint8_t bytes[HELPER_BIG_SIZE];
} big_buffer_t;

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, big_buffer_t);
    __uint(max_entries, 2);
} helper_big SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __type(value, uint64_t);
    __uint(max_entries, 8);
} helper_queue SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
} helper_perf SEC(".maps");

// Plain literals (clang 14 may move a `static const char x[] = "..."` into .rodata.str1.1 while its BTF still
// places it in .rodata, which the kernel rejects as an invalid DATASEC offset).
#define ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define DIGITS "0123456789abcdef"

static __always_inline void
check_memory(struct helper_results* r, struct helper_config* config)
{
    uint32_t copy_size = config->copy_size;
    uint32_t large_size = config->large_size;

    r->memcpy_ok = bpf_memcpy_s(r->memcpy_ok_dst, sizeof(r->memcpy_ok_dst), ALPHABET, copy_size);
    __builtin_memset(r->memcpy_einval_dst, 'x', sizeof(r->memcpy_einval_dst));
    r->memcpy_einval = memcpy_s(r->memcpy_einval_dst, sizeof(r->memcpy_einval_dst), ALPHABET, large_size);

    __builtin_memcpy(r->memmove_up_buf, DIGITS, 16);
    r->memmove_up = bpf_memmove_s(r->memmove_up_buf + 2, sizeof(r->memmove_up_buf) - 2, r->memmove_up_buf, copy_size);
    __builtin_memcpy(r->memmove_down_buf, DIGITS, 16);
    r->memmove_down =
        memmove_s(r->memmove_down_buf, sizeof(r->memmove_down_buf), r->memmove_down_buf + 2, copy_size);

    r->memcmp_equal = bpf_memcmp_s("abcdef", 6, "abcdef", 6);
    r->memcmp_less = bpf_memcmp_s("abc", 3, "abd", 3);
    r->memcmp_greater = memcmp("abd", "abc", 3);
    r->memcmp_min_size = bpf_memcmp_s("abcdef", 6, "abcxyz", 3);
}

static __always_inline void
check_memset(struct helper_results* r)
{
    uint32_t zero = 0, one = 1;
    big_buffer_t* cleared = bpf_map_lookup_elem(&helper_big, &zero);
    big_buffer_t* filled = bpf_map_lookup_elem(&helper_big, &one);
    if (!cleared || !filled)
        return;
    // What an eBPF-for-Windows program writes; the macro yields its destination.
    r->memset_zero = memset(cleared->bytes, 0, 65520) == cleared->bytes ? 0 : -1;
    r->memset_value = bpf_memset(filled->bytes, HELPER_MEMSET_SIZE, HELPER_MEMSET_VALUE);
}

static __always_inline void
check_strings(struct helper_results* r, struct helper_config* config)
{
    uint32_t string_size = config->string_size;
    if (string_size > sizeof(r->strncpy_ok_dst))
        return;
    char small[8];
    __builtin_memset(small, 0, sizeof(small));

    r->strncpy_ok = bpf_strncpy_s(r->strncpy_ok_dst, string_size, "hello", 5);
    r->strncpy_erange = bpf_strncpy_s(small, sizeof(small), "helloworld", 10);

    __builtin_memcpy(r->strncat_ok_dst, "foo", 4);
    r->strncat_ok = bpf_strncat_s(r->strncat_ok_dst, string_size, "bar", 3);
    __builtin_memcpy(small, "foobar", 7);
    r->strncat_erange = bpf_strncat_s(small, sizeof(small), "xyz", 3);

    r->strnlen_full = bpf_strnlen_s("hello", string_size);
    r->strnlen_capped = bpf_strnlen_s("hello", 3);
}

static __always_inline void
check_system(HELPER_CHECKS_CONTEXT* ctx, uint64_t process_id, struct helper_results* r, struct helper_config* config)
{
    r->ktime_ns = bpf_ktime_get_ns();
    r->ktime_ms = bpf_ktime_get_ms();
    r->boot_ns = bpf_ktime_get_boot_ns();
    r->boot_ms = bpf_ktime_get_boot_ms();
    r->logon_id = bpf_get_current_logon_id(ctx);
    r->is_admin = bpf_is_current_admin(ctx);
    r->start_key = bpf_get_current_process_start_key();
    r->start_key_again = bpf_get_current_process_start_key();
    r->thread_create_time = bpf_get_current_thread_create_time();

    struct helper_perf_sample sample = {.magic = config->magic, .process_id = process_id};
    r->perf_output = bpf_perf_event_output(ctx, &helper_perf, EBPF_MAP_FLAG_CURRENT_CPU, &sample, sizeof(sample));
    r->printk = bpf_printk("winbpf helper_checks %llu %llu %d", config->magic, process_id, 3);
    r->printk_fewer[0] = bpf_printk("winbpf helper_checks");
    r->printk_fewer[1] = bpf_printk("winbpf helper_checks %llu", config->magic);
    r->printk_fewer[2] = bpf_printk("winbpf helper_checks %llu %llu", config->magic, process_id);
    char fmt2[] = "winbpf trace_printk2";
    char fmt3[] = "winbpf trace_printk3 %llu";
    char fmt4[] = "winbpf trace_printk4 %llu %llu";
    char fmt5[] = "winbpf trace_printk5 %llu %llu %d";
    r->trace_printk[0] = bpf_trace_printk2(fmt2, sizeof(fmt2));
    r->trace_printk[1] = bpf_trace_printk3(fmt3, sizeof(fmt3), config->magic);
    r->trace_printk[2] = bpf_trace_printk4(fmt4, sizeof(fmt4), config->magic, process_id);
    r->trace_printk[3] = bpf_trace_printk5(fmt5, sizeof(fmt5), config->magic, process_id, 5);
}

static __always_inline void
check_queue(struct helper_results* r)
{
    uint64_t values[3] = {11, 22, 33};
    for (int i = 0; i < 3; i++)
        r->push[i] = bpf_map_push_elem(&helper_queue, &values[i], 0);
    uint64_t value = 0;
    r->peek = bpf_map_peek_elem(&helper_queue, &value);
    r->peek_value = value;
    for (int i = 0; i < 2; i++) {
        value = 0;
        r->pop[i] = bpf_map_pop_elem(&helper_queue, &value);
        r->pop_value[i] = value;
    }
}

/* Runs every check once (helper_results[0].done guards against a second event); returns 0 when it ran. */
static __always_inline int
run_helper_checks(HELPER_CHECKS_CONTEXT* ctx, uint64_t process_id, uint64_t creation_time)
{
    uint32_t zero = 0;
    struct helper_config* config = bpf_map_lookup_elem(&helper_config, &zero);
    struct helper_results* r = bpf_map_lookup_elem(&helper_results, &zero);
    if (!config || !r || r->done)
        return -1;
    r->done = 1;
    r->process_id = process_id;
    r->creation_time = creation_time;

    check_memory(r, config);
    check_memset(r);
    check_strings(r, config);
    check_system(ctx, process_id, r, config);
    check_queue(r);
    return 0;
}
