// SPDX-License-Identifier: MIT
//
// winbpf's connection monitor: a Windows `sockops` program (in the style of eBPF for Windows' connection tracking
// samples) compiled through the shim. Every TCP and UDP flow's start (outbound or inbound) and end becomes one
// record in connection_ringbuf (layout in connection_monitor.h); userspace gives each end its duration from the start
// record of the same flow id (a map here would cost a hash update, lookup and delete per flow, about as much as the
// rest of the program). Records that do not fit are counted by the shim (winbpf_lost) and reported by userspace.
// Every flow is allowed (the program returns 0).
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "connection_monitor.h"

// 16 MiB: 80-byte records, two per flow; room for about 100,000 connections while the reader falls behind.
struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 16 * 1024 * 1024);
} connection_ringbuf SEC(".maps");

SEC("sockops")
int
ConnectionMonitor(bpf_sock_ops_t* ctx)
{
    struct connection_monitor_event event = {0};
    event.timestamp_ns = bpf_ktime_get_boot_ns();
    event.process_id = bpf_get_current_pid_tgid() >> 32;
    event.flow_id = bpf_sock_ops_get_flow_id(ctx);
    event.family = ctx->family == 23 ? 6 : 4;
    event.protocol = ctx->protocol;
    event.local_port = bpf_ntohs((uint16_t)ctx->local_port);
    event.remote_port = bpf_ntohs((uint16_t)ctx->remote_port);
    if (event.family == 6) {
        memcpy(event.local_address, ctx->local_ip6, 16);
        memcpy(event.remote_address, ctx->remote_ip6, 16);
    } else {
        memcpy(event.local_address, &ctx->local_ip4, 4);
        memcpy(event.remote_address, &ctx->remote_ip4, 4);
    }
    switch (ctx->op) {
    case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
        event.type = CONNECTION_MONITOR_CONNECT;
        break;
    case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
        event.type = CONNECTION_MONITOR_ACCEPT;
        break;
    case BPF_SOCK_OPS_CONNECTION_DELETED_CB:
        event.type = CONNECTION_MONITOR_CLOSE;
        break;
    default:
        return 0;
    }
    bpf_ringbuf_output(&connection_ringbuf, &event, sizeof(event), 0);
    return 0;
}
