// SPDX-License-Identifier: MIT
// Windows-style bind program of the bind-hook tests: records every event of the watched process (bind_record) and
// applies bind_policy (deny, redirect, an unknown verdict, a hard permit) to its BINDs.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "bind_record.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct bind_policy);
    __uint(max_entries, 1);
} bind_policy SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, struct bind_record);
    __uint(max_entries, 1);
} record_scratch SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1024 * 1024);
} bind_records SEC(".maps");

static __always_inline uint16_t
port_of(bind_md_t* ctx)
{
    return bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]);
}

static __always_inline bind_action_t
decide(bind_md_t* ctx, struct bind_policy* policy)
{
    if (ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT;
    uint16_t port = port_of(ctx);
    if (port == 0)
        return BIND_PERMIT;
    if (port == policy->deny_port)
        return BIND_DENY;
    if (port == policy->unknown_port)
        return (bind_action_t)7;
    if (port == policy->hard_port)
        return BIND_PERMIT_HARD;
    if (port == policy->redirect_from) {
        *(uint16_t*)&ctx->socket_address[2] = bpf_htons(policy->redirect_to);
        return BIND_REDIRECT;
    }
    return BIND_PERMIT;
}

SEC("bind")
bind_action_t
BindRecorder(bind_md_t* ctx)
{
    uint32_t zero = 0;
    struct bind_policy* policy = bpf_map_lookup_elem(&bind_policy, &zero);
    if (!policy || policy->watch_pid == 0 || ctx->process_id != policy->watch_pid)
        return BIND_PERMIT;
    struct bind_record* record = bpf_map_lookup_elem(&record_scratch, &zero);
    if (!record)
        return BIND_PERMIT;
    record->process_id = ctx->process_id;
    record->pid_tgid = bpf_get_current_pid_tgid();
    record->logon_id = bpf_get_current_logon_id(ctx);
    record->is_admin = bpf_is_current_admin(ctx);
    record->operation = ctx->operation;
    memcpy(record->socket_address, ctx->socket_address, 16);
    memcpy(record->sockaddr_in6, WINBPF_BIND_SOCKADDR_IN6(ctx), 28);
    record->socket_address_length = ctx->socket_address_length;
    record->protocol = ctx->protocol;
    uint64_t size = ctx->app_id_end - ctx->app_id_start;
    if (size > BIND_RECORD_APP_ID_MAX)
        size = BIND_RECORD_APP_ID_MAX;
    barrier_var(size);
    record->app_id_size = (uint16_t)size;
    if (size)
        memcpy(record->app_id, ctx->app_id_start, size);
    bind_action_t action = decide(ctx, policy);
    record->action = action;
    bpf_ringbuf_output(&bind_records, record, sizeof(*record), 0);
    return action;
}
