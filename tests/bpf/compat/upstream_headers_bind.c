// SPDX-License-Identifier: MIT
// Windows-style bind program written against eBPF for Windows' own headers (issue 19 §1): it includes only
// bpf_helpers.h, uses bind_md_t, BIND_OPERATION_BIND, MAX_TAIL_CALL_CNT and the EBPF_MAP_FLAG_* constants from it,
// defines bpf_printk again with eBPF for Windows' own text, gives an old-style map LIBBPF_PIN_BY_NAME and sums what
// bpf_printk returns. Compiled with -Werror.

// Headers from C:\ebpf\include\
   (a comment ending in a backslash joins this line to it: -Wcomment warns, upstream's flags do not)
#include "bpf_helpers.h"

// The program's own bpf_printk, as eBPF for Windows' bpf_helper_defs.h defines it.
#define EBPF_CONCATENATE(X, Y) X##Y
#define EBPF_MAKE_HELPER_NAME(PREFIX, ARG_COUNT) EBPF_CONCATENATE(PREFIX, ARG_COUNT)
#define EBPF_GET_NTH_ARG(_1, _2, _3, _4, _5, N, ...) N
#define EBPF_COUNT_VA_ARGS(...) EBPF_GET_NTH_ARG(__VA_ARGS__, 5, 4, 3, 2, 1)
#define EBPF_VA_ARGS_HELPER(PREFIX, ...) EBPF_MAKE_HELPER_NAME(PREFIX, EBPF_COUNT_VA_ARGS(__VA_ARGS__))(__VA_ARGS__)
#define bpf_printk(fmt, ...)                                                            \
    ({                                                                                  \
        char ____fmt[] = fmt;                                                           \
        EBPF_VA_ARGS_HELPER(bpf_trace_printk, ____fmt, sizeof(____fmt), ##__VA_ARGS__); \
    })

#define PRINTK_RESULTS 16

// Slot 0: the test's process id (written by the test); slots 1..: what each bpf_printk returned; slot 15: the sum.
struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, int64_t);
    __uint(max_entries, PRINTK_RESULTS);
    __uint(pinning, LIBBPF_PIN_NONE);
} printk_results SEC(".maps");

// An old-style map pinned by name, as upstream's samples declare them (winbpf does not apply pinning: the loader's
// pinned= option does).
SEC("maps")
struct bpf_map_def pinned_counts = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(uint32_t),
    .value_size = sizeof(uint64_t),
    .max_entries = 1,
    .pinning = LIBBPF_PIN_BY_NAME};

// The constants of ebpf_structs.h as the program sees them.
struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} structs_constants SEC(".maps");

static void
record(uint32_t slot, int64_t value)
{
    bpf_map_update_elem(&printk_results, &slot, &value, BPF_ANY);
}

SEC("bind")
bind_action_t
PrintkBind(bind_md_t* ctx)
{
    uint32_t zero = 0;
    int64_t* target = bpf_map_lookup_elem(&printk_results, &zero);
    if (!target || ctx->operation != BIND_OPERATION_BIND || (uint64_t)*target != ctx->process_id) {
        return BIND_PERMIT;
    }

    int64_t bytes_written = 0;
    int64_t written;
    uint32_t slot = 1;
    written = bpf_printk("Hello, world");
    record(slot++, written);
    bytes_written += written;
    written = bpf_printk("PID: %u", ctx->process_id);
    record(slot++, written);
    bytes_written += written;
    written = bpf_printk("PID: %lu PROTO: %x", ctx->process_id, ctx->protocol);
    record(slot++, written);
    bytes_written += written;
    written = bpf_printk("100%% done %llu %d %X", ctx->process_id, ctx->protocol, ctx->socket_address_length);
    record(slot++, written);
    bytes_written += written;
    // Formats eBPF for Windows refuses: each returns -1.
    written = bpf_printk("BAD1 %");
    record(slot++, written);
    bytes_written += written;
    written = bpf_printk("BAD2 %ll");
    record(slot++, written);
    bytes_written += written;
    written = bpf_printk("BAD3 %5d", ctx->process_id);
    record(slot++, written);
    bytes_written += written;
    written = bpf_printk("BAD4 %p", ctx->process_id);
    record(slot++, written);
    bytes_written += written;
    written = bpf_printk("BAD5", ctx->process_id);
    record(slot++, written);
    bytes_written += written;
    written = bpf_printk("BAD6 %u");
    record(slot++, written);
    bytes_written += written;
    record(PRINTK_RESULTS - 1, bytes_written);
    uint64_t* count = bpf_map_lookup_elem(&pinned_counts, &zero);
    if (count) {
        *count += 1;
    }

    uint32_t key = 0;
    uint64_t constant = MAX_TAIL_CALL_CNT;
    bpf_map_update_elem(&structs_constants, &key, &constant, BPF_ANY);
    key = 1;
    constant = EBPF_MAP_FLAG_CTX_LENGTH_SHIFT;
    bpf_map_update_elem(&structs_constants, &key, &constant, BPF_ANY);
    key = 2;
    constant = EBPF_MAP_FLAG_CURRENT_CPU;
    bpf_map_update_elem(&structs_constants, &key, &constant, BPF_ANY);
    key = 3;
    constant = (uint64_t)BIND_OPERATION_BIND << 32 | LIBBPF_PIN_BY_NAME;
    bpf_map_update_elem(&structs_constants, &key, &constant, BPF_ANY);
    return BIND_PERMIT;
}
