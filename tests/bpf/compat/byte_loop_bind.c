// SPDX-License-Identifier: MIT
// Windows-style bind program with a byte loop of up to 64 K iterations that branches on each byte, as eBPF for Windows'
// verifier accepts: Linux's verifier cannot (more than 8192 pending branches), and loading it must say so, naming the
// loop's line (BYTE_LOOP_LINE below) and the portable rewrite.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#define SCAN_BYTES 65536

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __uint(value_size, SCAN_BYTES);
    __uint(max_entries, 1);
} scan_buffer SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} scan_count SEC(".maps");

SEC("bind")
bind_action_t
ByteLoop(bind_md_t* ctx)
{
    uint32_t zero = 0;
    uint8_t* data = bpf_map_lookup_elem(&scan_buffer, &zero);
    uint64_t* count = bpf_map_lookup_elem(&scan_count, &zero);
    if (!data || !count)
        return BIND_PERMIT;
    uint64_t found = 0;
    for (uint32_t i = 0; i < SCAN_BYTES; i++) {
        if (data[i] == ':') // BYTE_LOOP_LINE
            found++;
    }
    *count = found;
    return BIND_PERMIT;
}
