/* SPDX-License-Identifier: MIT */
/*
 * Ring buffer record of bpf/connection_monitor.c, shared with monitor/connection_monitor (userspace). Little-endian,
 * fields naturally aligned, 72 bytes.
 */
#pragma once

/* Values of connection_monitor_event.type. */
#define CONNECTION_MONITOR_CONNECT 0 /* an outbound flow established (BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB) */
#define CONNECTION_MONITOR_ACCEPT 1  /* an inbound flow established (BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) */
#define CONNECTION_MONITOR_CLOSE 2   /* the flow ended (BPF_SOCK_OPS_CONNECTION_DELETED_CB) */

struct connection_monitor_event {
    uint64_t timestamp_ns;      /* CLOCK_BOOTTIME ns of the event (bpf_ktime_get_boot_ns) */
    uint64_t process_id;        /* tgid of the socket's owner (bpf_get_current_pid_tgid() >> 32) */
    uint64_t flow_id;           /* bpf_sock_ops_get_flow_id */
    uint64_t duration_ns;       /* 0 (recordings of earlier versions: a close's duration); userspace takes a close's
                                   duration from its flow's start record */
    uint8_t local_address[16];  /* network order; IPv4 in the first 4 bytes */
    uint8_t remote_address[16]; /* network order; IPv4 in the first 4 bytes */
    uint16_t local_port;        /* host order */
    uint16_t remote_port;       /* host order */
    uint8_t type;               /* CONNECTION_MONITOR_* */
    uint8_t family;             /* 4 or 6 */
    uint8_t protocol;           /* IPPROTO_TCP 6, IPPROTO_UDP 17 */
    uint8_t reserved;
};
