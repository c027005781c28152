/* SPDX-License-Identifier: MIT */
/* Shared by tests/bpf/sock_ops_recorder.c (a Windows-style sockops program) and tests/hooks/sock_ops. */
#pragma once

#ifndef __bpf__
#include <stdint.h>
#endif

/* One event: the handler's bpf_sock_ops_t as its 64 bytes, and what the helpers said. */
struct sock_ops_test_event {
    uint8_t context[64]; /* bpf_sock_ops_t */
    uint64_t pid_tgid;   /* bpf_get_current_pid_tgid() */
    uint64_t flow_id;    /* bpf_sock_ops_get_flow_id(ctx) */
};

/* A flow's tuple as the handler sees it (Windows family; IPv4 in ip[0]; ports as the context holds them). */
struct sock_ops_test_tuple {
    uint32_t local_ip[4];
    uint32_t remote_ip[4];
    uint32_t local_port;
    uint32_t remote_port;
    uint32_t family;
    uint32_t protocol;
};

/* block_config[0]: 1 = block every ESTABLISHED flow whose local or remote port (as the context holds it) is not in
 * allowed_ports. */
