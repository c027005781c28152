// SPDX-License-Identifier: GPL-2.0
// hook_floor: the least a tool on winbpf's Linux hooks can cost, the floor winbpf_bench measures beside a monitor and
// its reference (bench/README.md): each program writes one 16-byte ring buffer record per event (the timestamp, the
// hook and one value), wake-ups batched as winbpf batches them, and does nothing else. Two sets, the tool attaches one:
// - bind: cgroup/bind4, cgroup/post_bind4 and cgroup/sock_release (of any socket), the three hooks any tool needs that
//   reports BIND, POST_BIND and UNBIND, and that allow every bind;
// - connections: sockops, writing a record at each ESTABLISHED callback and at the state callback to TCP_CLOSE (which
//   it asks for), the least a tool reporting each TCP connection's start and end costs;
// - drop: tp_btf/kfree_skb for real drop reasons only: what the netevent issue calls "a bare tp_btf program that emits
//   a ring buffer record";
// - connect: cgroup/sock_create, cgroup/connect4 and cgroup_skb/ingress programs that only return 1 (no record): the
//   hooks' own cost under winbpf_bench connect's audit programs (their Linux hooks).
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hook_floor.h"
#include "reference.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define RING_SIZE (4 * 1024 * 1024) /* netevent_monitor's */

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, RING_SIZE);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64); /* bytes written on this CPU since the last fill check */
} unchecked SEC(".maps");

/* Writes the record {now, hook, value}. */
static __always_inline void report(__u32 hook, __u32 value)
{
    __u32 zero = 0;
    __u64 *count = bpf_map_lookup_elem(&unchecked, &zero);
    if (!count)
        return;
    struct hook_floor_event event = {
        .timestamp_ns = bpf_ktime_get_boot_ns(),
        .hook = hook,
        .value = value,
    };
    reference_output(&events, RING_SIZE, &event, sizeof event, count);
}

SEC("cgroup/bind4")
int hook_floor_bind4(struct bpf_sock_addr *ctx)
{
    report(HOOK_FLOOR_BIND4, bpf_ntohs(ctx->user_port));
    return 1;
}

SEC("cgroup/post_bind4")
int hook_floor_post_bind4(struct bpf_sock *ctx)
{
    report(HOOK_FLOOR_POST_BIND4, ctx->src_port);
    return 1;
}

SEC("cgroup/sock_release")
int hook_floor_release(struct bpf_sock *ctx)
{
    report(HOOK_FLOOR_SOCK_RELEASE, 0);
    return 1;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(hook_floor_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
    if (reason > SKB_DROP_REASON_NOT_SPECIFIED)
        report(HOOK_FLOOR_KFREE_SKB, reason);
    return 0;
}

SEC("sockops")
int hook_floor_sockops(struct bpf_sock_ops *ops)
{
    if (ops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB || ops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
        bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);
        report(HOOK_FLOOR_SOCKOPS, ops->op);
    } else if (ops->op == BPF_SOCK_OPS_STATE_CB && ops->args[1] == BPF_TCP_CLOSE) {
        report(HOOK_FLOOR_SOCKOPS, ops->op);
    }
    return 1;
}

SEC("cgroup/sock_create")
int hook_floor_sock_create(struct bpf_sock *ctx)
{
    return 1;
}

SEC("cgroup/connect4")
int hook_floor_connect4(struct bpf_sock_addr *ctx)
{
    return 1;
}

SEC("cgroup_skb/ingress")
int hook_floor_ingress(struct __sk_buff *skb)
{
    return 1;
}
