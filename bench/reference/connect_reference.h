/* SPDX-License-Identifier: MIT */
/*
 * The audit map of winbpf_bench connect (bench/README.md), shared by the Windows-style bench program
 * bench/connect/connect_audit.c (through winbpf) and its hand-written twin connect_reference.bpf.c: one entry per
 * connection, written at connect (by the connecting socket's cookie) and at recv_accept (by the connecting peer's
 * endpoint), as eBPF for Windows' sock_addr samples keep an audit map of who connected where. Little-endian, 40 bytes.
 */
#pragma once

#define CONNECT_AUDIT_MAX 65536 /* entries kept, least recently used out */

/* Values of connect_audit_entry.direction. */
#define CONNECT_AUDIT_OUTBOUND 0 /* cgroup/connect4 */
#define CONNECT_AUDIT_INBOUND 1  /* cgroup/recv_accept4 */

/* Key: outbound, the connecting socket's cookie; inbound, (1 << 63) | (remote IPv4 << 16) | remote port (both in
 * network order). */
struct connect_audit_entry {
    __u64 pid_tgid;    /* the caller (outbound) or the listening socket's owner (inbound) */
    __u64 logon_id;    /* its audit session id */
    __u64 cookie;      /* the socket's cookie (inbound: the listener's) */
    __u32 local_ip4;   /* network order */
    __u32 remote_ip4;  /* network order */
    __u16 local_port;  /* network order (outbound: 0 until bound) */
    __u16 remote_port; /* network order */
    __u8 is_admin;
    __u8 direction; /* CONNECT_AUDIT_* */
    __u8 protocol;  /* 6 */
    __u8 reserved;
};
