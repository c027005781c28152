// SPDX-License-Identifier: GPL-2.0
// connection_reference: connection_monitor's work written directly as a plain libbpf tool (bench/README.md): the
// process that created each socket (socket storage at cgroup/sock_create, cloned to accepted sockets), TCP flows from
// sockops (ESTABLISHED callbacks, the state callback to TCP_CLOSE), UDP flows from cgroup_skb egress/ingress (first
// datagram per socket and remote endpoint) and cgroup/sock_release, one record per flow start and end with its
// duration.
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "connection_reference.h"
#include "reference.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define RING_SIZE (16 * 1024 * 1024) /* connection_monitor's */
#define AF_INET 2
#define AF_INET6 10

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, RING_SIZE);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} unchecked SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
    __type(key, int);
    __type(value, __u64); /* tgid */
} owners SEC(".maps");

/* A flow's start (its ESTABLISHED record, type and timestamp included). */
struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct connection_reference_event);
} tcp_flows SEC(".maps");

struct udp_key {
    __u64 cookie;
    __u32 ip[4];
    __u32 port;
    __u32 family;
};
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, struct udp_key);
    __type(value, struct connection_reference_event);
} udp_flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, __u32); /* flows of this UDP socket */
} udp_sockets SEC(".maps");

__u64 next_flow_id = 0;

static __always_inline void output(struct connection_reference_event *event)
{
    __u32 zero = 0;
    __u64 *count = bpf_map_lookup_elem(&unchecked, &zero);
    if (count)
        reference_output(&events, RING_SIZE, event, sizeof(*event), count);
}

SEC("cgroup/sock_create")
int connection_reference_owner(struct bpf_sock *sk)
{
    __u64 *owner = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (owner)
        *owner = bpf_get_current_pid_tgid() >> 32;
    return 1;
}

SEC("sockops")
int connection_reference_tcp(struct bpf_sock_ops *ops)
{
    struct bpf_sock *sk = ops->sk;
    if (!sk)
        return 1;
    if (ops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB || ops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
        struct connection_reference_event *flow = bpf_sk_storage_get(&tcp_flows, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
        if (!flow)
            return 1;
        __u64 *owner = bpf_sk_storage_get(&owners, sk, 0, 0);
        flow->timestamp_ns = bpf_ktime_get_boot_ns();
        flow->process_id = owner ? *owner : 0;
        flow->flow_id = __sync_fetch_and_add(&next_flow_id, 1) + 1;
        flow->duration_ns = 0;
        flow->local_port = (__u16)ops->local_port;
        flow->remote_port = bpf_ntohs((__u16)(ops->remote_port >> 16));
        flow->protocol = IPPROTO_TCP;
        flow->reserved = 0;
        flow->type =
            ops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB ? CONNECTION_REFERENCE_CONNECT : CONNECTION_REFERENCE_ACCEPT;
        if (ops->family == AF_INET) {
            flow->family = 4;
            flow->local_ip[0] = ops->local_ip4;
            flow->remote_ip[0] = ops->remote_ip4;
            flow->local_ip[1] = flow->local_ip[2] = flow->local_ip[3] = 0;
            flow->remote_ip[1] = flow->remote_ip[2] = flow->remote_ip[3] = 0;
        } else if (ops->remote_ip6[0] == 0 && ops->remote_ip6[1] == 0 && ops->remote_ip6[2] == bpf_htonl(0xffff)) {
            /* IPv4-mapped on a dual-stack socket: an IPv4 flow, as connection_monitor gives it */
            flow->family = 4;
            flow->local_ip[0] = ops->local_ip6[3];
            flow->remote_ip[0] = ops->remote_ip6[3];
            flow->local_ip[1] = flow->local_ip[2] = flow->local_ip[3] = 0;
            flow->remote_ip[1] = flow->remote_ip[2] = flow->remote_ip[3] = 0;
        } else {
            flow->family = 6;
            flow->local_ip[0] = ops->local_ip6[0];
            flow->local_ip[1] = ops->local_ip6[1];
            flow->local_ip[2] = ops->local_ip6[2];
            flow->local_ip[3] = ops->local_ip6[3];
            flow->remote_ip[0] = ops->remote_ip6[0];
            flow->remote_ip[1] = ops->remote_ip6[1];
            flow->remote_ip[2] = ops->remote_ip6[2];
            flow->remote_ip[3] = ops->remote_ip6[3];
        }
        bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);
        output(flow);
    } else if (ops->op == BPF_SOCK_OPS_STATE_CB && ops->args[1] == BPF_TCP_CLOSE) {
        struct connection_reference_event *flow = bpf_sk_storage_get(&tcp_flows, sk, 0, 0);
        if (!flow || flow->type == CONNECTION_REFERENCE_CLOSE)
            return 1;
        struct connection_reference_event event = *flow;
        event.type = CONNECTION_REFERENCE_CLOSE;
        event.timestamp_ns = bpf_ktime_get_boot_ns();
        event.duration_ns = event.timestamp_ns - flow->timestamp_ns;
        flow->type = CONNECTION_REFERENCE_CLOSE;
        output(&event);
    }
    return 1;
}

/* UDP: the first datagram of a socket to or from a remote endpoint starts a flow. */
static __always_inline void udp_packet(struct __sk_buff *skb, int egress)
{
    struct bpf_sock *sk = skb->sk;
    if (!sk)
        return;
    sk = bpf_sk_fullsock(sk);
    if (!sk || sk->protocol != IPPROTO_UDP)
        return;
    __u32 src[4] = {}, dst[4] = {}, transport, family;
    if (skb->protocol == bpf_htons(0x0800)) {
        struct iphdr ip;
        if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != IPPROTO_UDP)
            return;
        src[0] = ip.saddr;
        dst[0] = ip.daddr;
        transport = ip.ihl * 4;
        family = 4;
    } else {
        struct ipv6hdr ip;
        if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.nexthdr != IPPROTO_UDP)
            return;
        __builtin_memcpy(src, &ip.saddr, 16);
        __builtin_memcpy(dst, &ip.daddr, 16);
        transport = sizeof(ip);
        family = 6;
    }
    __u16 ports[2];
    if (bpf_skb_load_bytes(skb, transport & 0x3f, ports, sizeof(ports)))
        return;
    struct udp_key key = {.cookie = bpf_get_socket_cookie(skb), .port = egress ? ports[1] : ports[0], .family = family};
    __builtin_memcpy(key.ip, egress ? dst : src, 16);
    if (bpf_map_lookup_elem(&udp_flows, &key))
        return;
    struct connection_reference_event event = {
        .timestamp_ns = bpf_ktime_get_boot_ns(),
        .flow_id = __sync_fetch_and_add(&next_flow_id, 1) + 1,
        .local_port = bpf_ntohs(egress ? ports[0] : ports[1]),
        .remote_port = bpf_ntohs(egress ? ports[1] : ports[0]),
        .type = egress ? CONNECTION_REFERENCE_CONNECT : CONNECTION_REFERENCE_ACCEPT,
        .family = family,
        .protocol = IPPROTO_UDP,
    };
    __builtin_memcpy(event.local_ip, egress ? src : dst, 16);
    __builtin_memcpy(event.remote_ip, key.ip, 16);
    __u64 *owner = bpf_sk_storage_get(&owners, sk, 0, 0);
    event.process_id = owner ? *owner : 0;
    __u32 *flows = bpf_sk_storage_get(&udp_sockets, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (bpf_map_update_elem(&udp_flows, &key, &event, BPF_NOEXIST) == 0 && flows)
        __sync_fetch_and_add(flows, 1);
    output(&event);
}

SEC("cgroup_skb/egress")
int connection_reference_egress(struct __sk_buff *skb)
{
    udp_packet(skb, 1);
    return 1;
}

SEC("cgroup_skb/ingress")
int connection_reference_ingress(struct __sk_buff *skb)
{
    udp_packet(skb, 0);
    return 1;
}

struct release_walk {
    __u64 cookie;
};

static long release_flow(void *map, struct udp_key *key, struct connection_reference_event *flow,
                         struct release_walk *walk)
{
    if (key->cookie != walk->cookie)
        return 0;
    struct connection_reference_event event = *flow;
    event.type = CONNECTION_REFERENCE_CLOSE;
    event.timestamp_ns = bpf_ktime_get_boot_ns();
    event.duration_ns = event.timestamp_ns - flow->timestamp_ns;
    output(&event);
    bpf_map_delete_elem(map, key);
    return 0;
}

SEC("cgroup/sock_release")
int connection_reference_release(struct bpf_sock *sk)
{
    if (sk->protocol != IPPROTO_UDP)
        return 1;
    __u32 *flows = bpf_sk_storage_get(&udp_sockets, sk, 0, 0);
    if (flows && *flows) {
        struct release_walk walk = {.cookie = bpf_get_socket_cookie(sk)};
        bpf_for_each_map_elem(&udp_flows, release_flow, &walk, 0);
    }
    return 1;
}
