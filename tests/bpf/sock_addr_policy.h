/* SPDX-License-Identifier: MIT */
/* Layouts shared by tests/bpf/sock_addr_policy.c (a Windows-style sock_addr program) and tests/hooks/sock_addr. */
#pragma once

#ifndef __bpf__
#include <stdint.h>
#endif

/* Which handler ran: index of audit and calls. */
enum sock_addr_test_attach {
    SOCK_ADDR_TEST_CONNECT4,
    SOCK_ADDR_TEST_CONNECT6,
    SOCK_ADDR_TEST_RECV_ACCEPT4,
    SOCK_ADDR_TEST_RECV_ACCEPT6,
    SOCK_ADDR_TEST_BIND4,
    SOCK_ADDR_TEST_BIND6,
    SOCK_ADDR_TEST_AUTHORIZATION4,
    SOCK_ADDR_TEST_AUTHORIZATION6,
    SOCK_ADDR_TEST_LISTEN4,
    SOCK_ADDR_TEST_LISTEN6,
    SOCK_ADDR_TEST_ATTACH_COUNT,
};

/* A remote endpoint (connect: user_*, recv_accept: msg_src_*; bind: the local one), Windows numbering and network
 * order: IPv4 (and IPv4-mapped) in ip[0]. */
struct sock_addr_test_key {
    uint32_t ip[4];
    uint16_t port;
    uint16_t family; /* 2 or 23 */
    uint32_t protocol;
};

/* Where a connect goes instead, and the redirect context it leaves. */
struct sock_addr_test_redirect {
    uint32_t ip[4];
    uint16_t port;
    uint16_t context_size;
    char context[32];
};

/* The last context a handler saw, and what the helpers said then. */
struct sock_addr_test_audit {
    uint64_t pid_tgid;
    uint64_t logon_id;
    uint64_t cookie;
    uint64_t process_start_key;
    uint64_t thread_create_time;
    uint64_t interface_luid;
    int32_t is_admin;
    uint32_t family;
    uint32_t compartment_id;
    uint32_t protocol;
    uint32_t msg_src_ip[4];
    uint32_t user_ip[4];
    uint16_t msg_src_port;
    uint16_t user_port;
    int32_t network_context_result; /* bpf_sock_addr_get_network_context's return */
    uint32_t interface_type;        /* its interface_type */
    uint32_t reserved;
};
