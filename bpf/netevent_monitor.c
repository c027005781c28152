// SPDX-License-Identifier: MIT
//
// winbpf's netevent monitor: a Windows `netevent_monitor` hook program (in the style of eBPF for Windows'
// netevent_monitor sample) compiled through the shim.
//
// Checks each event's netevent header (type DROP 100 or FLOW 101, version 1) and that the fixed pktmon header
// (PKTMON_EVENT_HEADER_LENGTH bytes) sits between data_meta and data, then writes the two headers and up to
// NETEVENT_MONITOR_PAYLOAD_MAX payload bytes as one record into netevent_ringbuf (layout in netevent_monitor.h).
// Other events are ignored. Records that do not fit are counted by the shim (winbpf_lost) and reported by userspace.
#include "bpf_helpers.h"
#include "ebpf_netevent_hooks.h"

#include "netevent_monitor.h"

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4 * 1024 * 1024);
} netevent_ringbuf SEC(".maps");

// Per-CPU space to assemble one record.
struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, struct netevent_monitor_event);
    __uint(max_entries, 1);
} record_scratch SEC(".maps");

// Verifies the prototype.
netevent_event_hook_t NetEventMonitor;

SEC("netevent_monitor")
int
NetEventMonitor(netevent_event_md_t* ctx)
{
    uint8_t* meta = ctx->data_meta;
    uint8_t* data = ctx->data;
    if (meta + sizeof(netevent_data_header_t) + PKTMON_EVENT_HEADER_LENGTH != data)
        return 0;
    netevent_data_header_t header;
    if (memcpy_s(&header, sizeof(header), meta, sizeof(header)) != 0)
        return 0;
    if ((header.type != NETEVENT_EVENT_TYPE_PKTMON_DROP && header.type != NETEVENT_EVENT_TYPE_PKTMON_FLOW) ||
        header.version != NETEVENT_PKTMON_EVENT_CURRENT_VERSION)
        return 0;

    uint32_t zero = 0;
    struct netevent_monitor_event* event = bpf_map_lookup_elem(&record_scratch, &zero);
    if (!event)
        return 0;
    // 64-bit throughout, so the verifier sees the bound on the register the copy uses.
    uint64_t size = ctx->data_end > data ? (uint64_t)(ctx->data_end - data) : 0;
    if (size > NETEVENT_MONITOR_PAYLOAD_MAX)
        size = NETEVENT_MONITOR_PAYLOAD_MAX;
    barrier_var(size);
    if (memcpy_s(event->headers, sizeof(event->headers), meta, NETEVENT_MONITOR_HEADERS_SIZE) != 0)
        return 0;
    if (size && memcpy_s(event->payload, sizeof(event->payload), data, size) != 0)
        return 0;
    bpf_ringbuf_output(&netevent_ringbuf, event, NETEVENT_MONITOR_HEADERS_SIZE + size, 0);
    return 0;
}
