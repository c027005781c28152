/* SPDX-License-Identifier: MIT */
/* connection_reference: the record shared by connection_reference.bpf.c and connection_reference.cpp, 72 bytes as
 * connection_monitor's (bpf/connection_monitor.h). */
#pragma once

/* Values of connection_reference_event.type. */
#define CONNECTION_REFERENCE_CONNECT 0
#define CONNECTION_REFERENCE_ACCEPT 1
#define CONNECTION_REFERENCE_CLOSE 2

struct connection_reference_event {
    __u64 timestamp_ns; /* CLOCK_BOOTTIME */
    __u64 process_id;   /* tgid of the process that created the socket (the listener's, for an accepted one) */
    __u64 flow_id;
    __u64 duration_ns; /* close: since the flow was established */
    __u32 local_ip[4]; /* network order; IPv4 in local_ip[0] */
    __u32 remote_ip[4];
    __u16 local_port;  /* host order */
    __u16 remote_port; /* host order */
    __u8 type;         /* CONNECTION_REFERENCE_* */
    __u8 family;       /* 4 or 6 */
    __u8 protocol;     /* 6 or 17 */
    __u8 reserved;
};
