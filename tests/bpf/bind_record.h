/* SPDX-License-Identifier: MIT */
/* Shared by tests/bpf/bind_recorder.c and the bind-hook tests (tests/hooks/bind): one record per bind event of the
 * watched process, and the policy the recorder applies. Ports are host numbers. */
#pragma once

#define BIND_RECORD_APP_ID_MAX 512

struct bind_policy {
    uint32_t watch_pid;     /* record and police only this process_id (0: nobody) */
    uint16_t deny_port;     /* BIND to this port: BIND_DENY */
    uint16_t redirect_from; /* BIND to this port: BIND_REDIRECT to redirect_to */
    uint16_t redirect_to;
    uint16_t unknown_port;  /* BIND to this port: return 7, a value bind_action_t does not have */
    uint16_t hard_port;     /* BIND to this port: BIND_PERMIT_HARD */
    uint16_t reserved;
};

struct bind_record {
    uint64_t process_id;
    uint64_t pid_tgid;  /* bpf_get_current_pid_tgid() */
    uint64_t logon_id;  /* bpf_get_current_logon_id(ctx) */
    int32_t is_admin;   /* bpf_is_current_admin(ctx) */
    uint32_t operation; /* bind_operation_t */
    uint32_t action;    /* what the handler returned */
    uint8_t socket_address[16];
    uint8_t sockaddr_in6[28]; /* WINBPF_BIND_SOCKADDR_IN6(ctx) */
    uint8_t socket_address_length;
    uint8_t protocol;
    uint16_t app_id_size; /* bytes, app_id_end - app_id_start */
    uint8_t app_id[BIND_RECORD_APP_ID_MAX];
};
