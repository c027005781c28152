// SPDX-License-Identifier: MIT
//
// winbpf's netevent monitor: a Windows `netevent_monitor` hook program (in the style of eBPF for Windows'
// netevent_monitor sample) compiled through the shim.
//
// Checks each event's netevent header (type DROP 100 or FLOW 101, version 1) and that the fixed pktmon header
// (PKTMON_EVENT_HEADER_LENGTH bytes) sits between data_meta and data, then writes the two headers and up to
// NETEVENT_MONITOR_PAYLOAD_MAX payload bytes, straight from the event buffer, as one record into netevent_ringbuf
// (layout in netevent_monitor.h).
// Other events are ignored. Records that do not fit are counted by the shim (winbpf_lost) and reported by userspace.
#include "bpf_helpers.h"
#include "ebpf_netevent_hooks.h"

#include "netevent_monitor.h"

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4 * 1024 * 1024);
} netevent_ringbuf SEC(".maps");

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
    netevent_data_header_t* header = (netevent_data_header_t*)meta;
    if ((header->type != NETEVENT_EVENT_TYPE_PKTMON_DROP && header->type != NETEVENT_EVENT_TYPE_PKTMON_FLOW) ||
        header->version != NETEVENT_PKTMON_EVENT_CURRENT_VERSION)
        return 0;

    // The record is the event buffer itself, from data_meta: both headers and up to NETEVENT_MONITOR_PAYLOAD_MAX
    // payload bytes (64-bit throughout, so the verifier sees the bound on the register the helper gets).
    uint64_t size = ctx->data_end > data ? (uint64_t)(ctx->data_end - data) : 0;
    if (size > NETEVENT_MONITOR_PAYLOAD_MAX)
        size = NETEVENT_MONITOR_PAYLOAD_MAX;
    barrier_var(size);
    bpf_ringbuf_output(&netevent_ringbuf, meta, NETEVENT_MONITOR_HEADERS_SIZE + size, 0);
    return 0;
}
