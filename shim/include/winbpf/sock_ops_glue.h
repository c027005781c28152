/* SPDX-License-Identifier: MIT */
/*
 * Glue of the sockops hook (docs/hooks/sock_ops.md; the program side is ebpf_nethooks.h): Linux programs that build
 * bpf_sock_ops_t for each TCP and UDP flow, call a Windows handler and enforce its verdict. All of them are attached
 * to one cgroup-v2 directory.
 *
 *   WINBPF_SOCK_OPS_OBJECT_GLUE()  once per object: the flow id counter (winbpf_sock_ops_next_flow_id) and the count
 *     of blocked TCP connections (winbpf_sock_ops_tcp_blocked); the socket
 *     owners come from winbpf/socket_owner.h (support program winbpf__sock_addr_owner at cgroup/sock_create).
 *   WINBPF_SOCK_OPS_ENTRY(handler)  per handler, with its own flow state:
 *     <handler>__winbpf_sockops_tcp      sockops              TCP ESTABLISHED (Linux ops 4, 5) and DELETED (state
 *                                                             callback to TCP_CLOSE); flow in socket storage
 *     <handler>__winbpf_sockops_egress   cgroup_skb/egress    UDP: ACTIVE at a (socket, remote)'s first datagram;
 *                                                             drops the packets of blocked flows (TCP and UDP)
 *     <handler>__winbpf_sockops_ingress  cgroup_skb/ingress   UDP: PASSIVE at a new (socket, remote)'s first
 *                                                             datagram; drops the packets of blocked flows
 *     <handler>__winbpf_sockops_release  cgroup/sock_release  UDP: DELETED for each flow of the released socket
 *   cgroup_skb programs return 1 to pass the packet and 0 to drop it (a dropped egress datagram: EPERM to sendmsg).
 */
#pragma once

#include "winbpf/license.h"

WINBPF_REQUIRE_GPL("sockops", "bpf_get_current_task_btf for the socket owner's process id and logon id");

#include "ebpf_nethooks.h"
#include "winbpf/socket_owner.h"

/* UDP flows (socket, remote endpoint) kept per handler, least recently used out. */
#define WINBPF_SOCK_OPS_UDP_FLOWS_MAX 16384
/* Linux's numbers (ebpf_nethooks.h gives the Windows names Windows' numbers). */
#define WINBPF_LINUX_SOCK_OPS_ACTIVE_ESTABLISHED 4
#define WINBPF_LINUX_SOCK_OPS_PASSIVE_ESTABLISHED 5
#define WINBPF_LINUX_ETH_P_IP_ 0x0800
#define WINBPF_LINUX_ETH_P_IPV6_ 0x86DD
#define WINBPF_IPPROTO_UDP_ 17
/* What a blocked TCP socket gets (bpf_setsockopt): TCP_USER_TIMEOUT 1 ms, keepalive after 1 s idle, every 1 s. */
#define WINBPF_SOL_SOCKET 1
#define WINBPF_SO_KEEPALIVE 9
#define WINBPF_SOL_TCP 6
#define WINBPF_TCP_KEEPIDLE 4
#define WINBPF_TCP_KEEPINTVL 5
#define WINBPF_TCP_USER_TIMEOUT 18

/* One flow as its ESTABLISHED event saw it: DELETED gives the same context, flow id and owner. */
struct winbpf_sock_ops_flow {
    bpf_sock_ops_t md;         /* the context (op set per event) */
    struct winbpf_owner owner; /* the socket's owner (valid 0: unknown, the helpers report the current task) */
    __u64 flow_id;
    __u32 blocked; /* the handler returned non-zero: the flow's packets are dropped, no DELETED */
    __u32 deleted; /* DELETED reported */
};

/* A UDP flow: the socket and the remote endpoint (network order; IPv4 and IPv4-mapped in ip[0]). */
struct winbpf_sock_ops_udp_key {
    __u64 cookie;
    __u32 ip[4];
    __u32 port;
    __u32 family; /* Windows' */
};

/* What a UDP socket with flows carries to its release: how many, and the first one (released without a walk). */
struct winbpf_sock_ops_udp_socket {
    __u32 flows;
    __u32 reserved;
    struct winbpf_sock_ops_udp_key first;
};

#define WINBPF_SOCK_OPS_OBJECT_GLUE()                                                                                  \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_ARRAY);                                                                              \
        __uint(max_entries, 1);                                                                                        \
        __type(key, __u32);                                                                                            \
        __type(value, __u64);                                                                                          \
    } winbpf_sock_ops_next_flow_id SEC(".maps");                                                                       \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_ARRAY);                                                                              \
        __uint(max_entries, 1);                                                                                        \
        __type(key, __u32);                                                                                            \
        __type(value, __u64);                                                                                          \
    } winbpf_sock_ops_tcp_blocked SEC(".maps");

/* TCP connections blocked since the load (winbpf_sock_ops_tcp_blocked): while none is, the cgroup_skb entries let
 * TCP packets through without looking their socket up. */
#define winbpf_sock_ops_tcp_blocked_any()                                                                              \
    ({                                                                                                                 \
        __u32 zero_ = 0;                                                                                               \
        __u64 *blocked_ = bpf_map_lookup_elem(&winbpf_sock_ops_tcp_blocked, &zero_);                                   \
        blocked_ &&*blocked_;                                                                                          \
    })
#define winbpf_sock_ops_tcp_blocked_count()                                                                            \
    do {                                                                                                               \
        __u32 zero_ = 0;                                                                                               \
        __u64 *blocked_ = bpf_map_lookup_elem(&winbpf_sock_ops_tcp_blocked, &zero_);                                   \
        if (blocked_)                                                                                                  \
            __sync_fetch_and_add(blocked_, 1);                                                                         \
    } while (0)

/* A new flow id: non-zero, unique in the object. */
#define winbpf_sock_ops_new_flow_id()                                                                                  \
    ({                                                                                                                 \
        __u32 zero_ = 0;                                                                                               \
        __u64 *next_ = bpf_map_lookup_elem(&winbpf_sock_ops_next_flow_id, &zero_);                                     \
        next_ ? __sync_fetch_and_add(next_, 1) + 1 : 0;                                                                \
    })

static __always_inline int winbpf_sock_ops_is_mapped(const __u32 *ip6)
{
    return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == bpf_htonl(0xffff);
}

/* Runs handler on flow's context with op (Windows' number), the flow's id and owner reported by the helpers.
 * Evaluates to the handler's return (0 when this CPU's scratch is missing: counted as lost). */
#define winbpf_sock_ops_call(handler, flow, windows_op, linux_ctx)                                                     \
    ({                                                                                                                 \
        int ret_ = 0;                                                                                                  \
        struct winbpf_sock_ops_ctx w_;                                                                                 \
        struct winbpf_scratch *s_ = winbpf_context_start(&w_, sizeof(w_), (linux_ctx), NULL);                          \
        if (s_) {                                                                                                      \
            w_.md = (flow)->md;                                                                                        \
            w_.md.op = (windows_op);                                                                                   \
            w_.flow_id = (flow)->flow_id;                                                                              \
            s_->owner = (flow)->owner;                                                                                 \
            ret_ = handler(&w_.md);                                                                                    \
            s_->owner.valid = 0;                                                                                       \
        }                                                                                                              \
        ret_;                                                                                                          \
    })

/* The owner and compartment recorded for a full socket (winbpf/socket_owner.h) into flow; for a socket that predates
 * the attach, owner valid 0 and the compartment of the network namespace of ops (a Linux sockops context). */
#define winbpf_sock_ops_set_owner(flow, full_sk, ops)                                                                  \
    do {                                                                                                               \
        struct winbpf_sock_addr_socket *socket_ = bpf_sk_storage_get(&winbpf_sock_addr_owners, (full_sk), 0, 0);       \
        if (socket_) {                                                                                                 \
            (flow)->owner = socket_->owner;                                                                            \
            (flow)->md.compartment_id = socket_->compartment_id;                                                       \
        } else {                                                                                                       \
            (flow)->owner.valid = 0;                                                                                   \
            (flow)->md.compartment_id = winbpf_compartment(bpf_get_netns_cookie(ops), winbpf_init_netns_cookie());     \
        }                                                                                                              \
    } while (0)

/* Endpoints of a Linux sockops context into md: IPv4, IPv6, or IPv4-mapped IPv6 presented as AF_INET. Ports: Linux
 * gives local_port in host order and remote_port as the network-order u16 shifted left by 16. */
#define winbpf_sock_ops_tcp_endpoints(md, ops)                                                                         \
    do {                                                                                                               \
        (md)->local_port = bpf_htons((__u16)(ops)->local_port);                                                        \
        (md)->remote_port = (ops)->remote_port >> 16;                                                                  \
        if ((ops)->family == WINBPF_LINUX_AF_INET) {                                                                   \
            (md)->family = 2;                                                                                          \
            (md)->local_ip4 = (ops)->local_ip4;                                                                        \
            (md)->remote_ip4 = (ops)->remote_ip4;                                                                      \
        } else {                                                                                                       \
            __u32 remote_[4] = {(ops)->remote_ip6[0], (ops)->remote_ip6[1], (ops)->remote_ip6[2],                      \
                                (ops)->remote_ip6[3]};                                                                 \
            __u32 local_[4] = {(ops)->local_ip6[0], (ops)->local_ip6[1], (ops)->local_ip6[2], (ops)->local_ip6[3]};    \
            if (winbpf_sock_ops_is_mapped(remote_)) {                                                                  \
                (md)->family = 2;                                                                                      \
                (md)->local_ip4 = local_[3];                                                                           \
                (md)->remote_ip4 = remote_[3];                                                                         \
            } else {                                                                                                   \
                (md)->family = 23;                                                                                     \
                __builtin_memcpy((md)->local_ip6, local_, 16);                                                         \
                __builtin_memcpy((md)->remote_ip6, remote_, 16);                                                       \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

/* The interface of a TCP connection: its route's device (sk_dst_cache, set at connect and for an accepted socket),
 * else the one its packets arrive on (sk_rx_dst_ifindex); 0 when neither is known. */
static __always_inline __u32 winbpf_sock_ops_tcp_ifindex(struct bpf_sock *sk)
{
    struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);
    if (!tp)
        return 0;
    struct sock *ks = (struct sock *)tp;
    /* Direct loads where the kernel has bpf_rdonly_cast (winbpf_kread): one bpf_probe_read_kernel call per field
     * otherwise, twice per connection. */
    __u64 dst = (__u64)winbpf_kread((__u64)ks, struct sock, sk_dst_cache);
    __u64 dev = dst ? (__u64)winbpf_kread(dst, struct dst_entry, dev) : 0;
    __u32 ifindex = dev ? winbpf_kread(dev, struct net_device, ifindex) : 0;
    if (!ifindex && bpf_core_field_exists(ks->sk_rx_dst_ifindex))
        ifindex = winbpf_kread((__u64)ks, struct sock, sk_rx_dst_ifindex);
    return ifindex;
}

/*
 * The sockops entry (TCP): at ESTABLISHED, records the flow in the handler's socket storage, asks for the state
 * callback, runs the handler and, for a non-zero return, marks the flow blocked (the cgroup_skb entries drop its
 * packets) and makes the socket time out; at the state change to TCP_CLOSE of a recorded, unblocked flow, runs the
 * handler once with CONNECTION_DELETED. Returns 1 (sockops ignores it for these callbacks).
 */
#define WINBPF_SOCK_OPS_TCP(handler, ops, flows)                                                                       \
    ({                                                                                                                 \
        __u32 op_ = (ops)->op;                                                                                         \
        struct bpf_sock *sk_ = (ops)->sk;                                                                              \
        if (sk_ &&                                                                                                     \
            (op_ == WINBPF_LINUX_SOCK_OPS_ACTIVE_ESTABLISHED || op_ == WINBPF_LINUX_SOCK_OPS_PASSIVE_ESTABLISHED) &&   \
            ((ops)->family == WINBPF_LINUX_AF_INET || (ops)->family == WINBPF_LINUX_AF_INET6)) {                       \
            struct winbpf_sock_ops_flow *flow_ = bpf_sk_storage_get((flows), sk_, 0, BPF_SK_STORAGE_GET_F_CREATE);     \
            if (!flow_) {                                                                                              \
                winbpf_count_lost();                                                                                   \
            } else {                                                                                                   \
                __builtin_memset(&flow_->md, 0, sizeof(flow_->md));                                                    \
                winbpf_sock_ops_tcp_endpoints(&flow_->md, ops);                                                        \
                flow_->md.protocol = WINBPF_IPPROTO_TCP;                                                               \
                flow_->md.interface_luid = winbpf_net_luid(winbpf_sock_ops_tcp_ifindex(sk_));                          \
                winbpf_sock_ops_set_owner(flow_, sk_, ops);                                                            \
                flow_->flow_id = winbpf_sock_ops_new_flow_id();                                                        \
                flow_->blocked = 0;                                                                                    \
                flow_->deleted = 0;                                                                                    \
                bpf_sock_ops_cb_flags_set((ops), (ops)->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);           \
                int verdict_ = winbpf_sock_ops_call(handler, flow_,                                                    \
                                                    op_ == WINBPF_LINUX_SOCK_OPS_ACTIVE_ESTABLISHED                    \
                                                        ? BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB                           \
                                                        : BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB,                         \
                                                    ops);                                                              \
                if (verdict_ != 0) {                                                                                   \
                    flow_->blocked = 1;                                                                                \
                    winbpf_sock_ops_tcp_blocked_count();                                                               \
                    int one_ = 1, idle_ = 1, timeout_ = 1;                                                             \
                    bpf_setsockopt((ops), WINBPF_SOL_TCP, WINBPF_TCP_USER_TIMEOUT, &timeout_, sizeof(timeout_));       \
                    bpf_setsockopt((ops), WINBPF_SOL_TCP, WINBPF_TCP_KEEPIDLE, &idle_, sizeof(idle_));                 \
                    bpf_setsockopt((ops), WINBPF_SOL_TCP, WINBPF_TCP_KEEPINTVL, &idle_, sizeof(idle_));                \
                    bpf_setsockopt((ops), WINBPF_SOL_SOCKET, WINBPF_SO_KEEPALIVE, &one_, sizeof(one_));                \
                }                                                                                                      \
            }                                                                                                          \
        } else if (sk_ && op_ == BPF_SOCK_OPS_STATE_CB && (ops)->args[1] == BPF_TCP_CLOSE) {                           \
            struct winbpf_sock_ops_flow *flow_ = bpf_sk_storage_get((flows), sk_, 0, 0);                               \
            if (flow_ && !flow_->blocked && !flow_->deleted) {                                                         \
                flow_->deleted = 1;                                                                                    \
                winbpf_sock_ops_call(handler, flow_, BPF_SOCK_OPS_CONNECTION_DELETED_CB, ops);                         \
            }                                                                                                          \
        }                                                                                                              \
        1;                                                                                                             \
    })

/* A UDP or TCP packet's endpoints (cgroup_skb: data starts at the network header), as this socket sees them: egress
 * local = source, ingress local = destination. protocol 0: not TCP or UDP, or not parsed (IPv6 extension headers,
 * IPv4 fragments after the first): the packet passes. */
struct winbpf_sock_ops_packet {
    __u32 local[4], remote[4]; /* network order; IPv4 in [0] */
    __u32 local_port, remote_port;
    __u32 family; /* Windows' */
    __u8 protocol;
};

static __always_inline void winbpf_sock_ops_parse(struct __sk_buff *skb, int egress, struct winbpf_sock_ops_packet *p)
{
    __u32 src[4] = {}, dst[4] = {}, transport;
    p->protocol = 0;
    if (skb->protocol == bpf_htons(WINBPF_LINUX_ETH_P_IP_)) {
        struct iphdr ip;
        if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || (ip.frag_off & bpf_htons(0x1fff)))
            return;
        src[0] = ip.saddr;
        dst[0] = ip.daddr;
        p->protocol = ip.protocol;
        p->family = 2;
        transport = (__u32)ip.ihl * 4;
    } else if (skb->protocol == bpf_htons(WINBPF_LINUX_ETH_P_IPV6_)) {
        struct ipv6hdr ip;
        if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
            return;
        __builtin_memcpy(src, &ip.saddr, 16);
        __builtin_memcpy(dst, &ip.daddr, 16);
        p->protocol = ip.nexthdr;
        p->family = 23;
        transport = sizeof(ip);
    } else {
        return;
    }
    if (p->protocol != WINBPF_IPPROTO_TCP && p->protocol != WINBPF_IPPROTO_UDP_) {
        p->protocol = 0;
        return;
    }
    __u16 ports[2];
    if (bpf_skb_load_bytes(skb, transport & 0x3f, ports, sizeof(ports))) {
        p->protocol = 0;
        return;
    }
    __builtin_memcpy(egress ? p->local : p->remote, src, 16);
    __builtin_memcpy(egress ? p->remote : p->local, dst, 16);
    p->local_port = egress ? ports[0] : ports[1];
    p->remote_port = egress ? ports[1] : ports[0];
}

/*
 * A cgroup_skb entry (egress or ingress): a TCP packet of a blocked flow is dropped; a UDP packet of a (socket,
 * remote endpoint) without a flow starts one (ACTIVE on egress, PASSIVE on ingress) and runs the handler; a UDP
 * packet of a blocked flow is dropped. Evaluates to 1 (pass) or 0 (drop).
 */
#define WINBPF_SOCK_OPS_SKB(handler, skb, egress, tcp_flows, udp_flows, udp_sockets)                                   \
    ({                                                                                                                 \
        int pass_ = 1;                                                                                                 \
        struct bpf_sock *sk_ = (skb)->sk;                                                                              \
        struct bpf_sock *full_ = sk_ ? bpf_sk_fullsock(sk_) : NULL;                                                    \
        if (full_ && full_->protocol == WINBPF_IPPROTO_TCP) {                                                          \
            if (winbpf_sock_ops_tcp_blocked_any()) {                                                                   \
                struct winbpf_sock_ops_flow *flow_ = bpf_sk_storage_get((tcp_flows), full_, 0, 0);                     \
                pass_ = !(flow_ && flow_->blocked);                                                                    \
            }                                                                                                          \
        } else if (full_ && full_->protocol == WINBPF_IPPROTO_UDP_) {                                                  \
            struct winbpf_sock_ops_packet p_;                                                                          \
            winbpf_sock_ops_parse(skb, egress, &p_);                                                                   \
            if (p_.protocol == WINBPF_IPPROTO_UDP_)                                                                    \
                pass_ = winbpf_sock_ops_udp_flow(handler, skb, full_, egress, &p_, udp_flows, udp_sockets);            \
        }                                                                                                              \
        pass_;                                                                                                         \
    })

#define winbpf_sock_ops_udp_flow(handler, skb, full, egress, p, udp_flows, udp_sockets)                                \
    ({                                                                                                                 \
        int allow_ = 1;                                                                                                \
        struct winbpf_sock_ops_udp_key key_ = {};                                                                      \
        key_.cookie = (bpf_get_socket_cookie)(skb);                                                                    \
        key_.family = (p)->family;                                                                                     \
        key_.port = (p)->remote_port;                                                                                  \
        __builtin_memcpy(key_.ip, (p)->remote, 16);                                                                    \
        struct winbpf_sock_ops_flow *known_ = bpf_map_lookup_elem((udp_flows), &key_);                                 \
        if (known_) {                                                                                                  \
            allow_ = !known_->blocked;                                                                                 \
        } else {                                                                                                       \
            struct winbpf_sock_ops_udp_socket *socket_ =                                                               \
                bpf_sk_storage_get((udp_sockets), (full), 0, BPF_SK_STORAGE_GET_F_CREATE);                             \
            struct winbpf_scratch *s_ = winbpf_scratch_get();                                                          \
            if (!socket_ || !s_) {                                                                                     \
                winbpf_count_lost();                                                                                   \
            } else {                                                                                                   \
                /* Built in the scratch's bounce region: the stack holds the handler's context. */                     \
                struct winbpf_sock_ops_flow *flow_ = (struct winbpf_sock_ops_flow *)s_->bounce;                        \
                __builtin_memset(flow_, 0, sizeof(*flow_));                                                            \
                flow_->md.family = (p)->family;                                                                        \
                __builtin_memcpy(flow_->md.local_ip6, (p)->local, 16);                                                 \
                __builtin_memcpy(flow_->md.remote_ip6, (p)->remote, 16);                                               \
                flow_->md.local_port = (p)->local_port;                                                                \
                flow_->md.remote_port = (p)->remote_port;                                                              \
                flow_->md.protocol = WINBPF_IPPROTO_UDP_;                                                              \
                flow_->md.interface_luid = winbpf_net_luid((skb)->ifindex);                                            \
                struct winbpf_sock_addr_socket *owner_ = bpf_sk_storage_get(&winbpf_sock_addr_owners, (full), 0, 0);   \
                if (owner_) {                                                                                          \
                    flow_->owner = owner_->owner;                                                                      \
                    flow_->md.compartment_id = owner_->compartment_id;                                                 \
                }                                                                                                      \
                flow_->flow_id = winbpf_sock_ops_new_flow_id();                                                        \
                /* Kept before the handler runs (which may use the bounce region), then given its verdict. */          \
                if (bpf_map_update_elem((udp_flows), &key_, flow_, BPF_NOEXIST) == 0 && socket_->flows++ == 0)         \
                    socket_->first = key_;                                                                             \
                struct winbpf_sock_ops_flow *kept_ = bpf_map_lookup_elem((udp_flows), &key_);                          \
                if (kept_) {                                                                                           \
                    int verdict_ = winbpf_sock_ops_call(                                                               \
                        handler, kept_,                                                                                \
                        (egress) ? BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB : BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB, skb);     \
                    kept_->blocked = verdict_ != 0;                                                                    \
                    allow_ = !kept_->blocked;                                                                          \
                } else {                                                                                               \
                    winbpf_count_lost();                                                                               \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        allow_;                                                                                                        \
    })

/* What a walk of the UDP flows gives its callback: the released socket and the Linux context. */
struct winbpf_sock_ops_release_walk {
    __u64 cookie;
    void *linux_ctx;
};

/*
 * The release entry (cgroup/sock_release) of a UDP socket with flows: CONNECTION_DELETED for each unblocked flow
 * (the first one by its key, more by a walk of the handler's flows), and the flows forgotten.
 */
#define WINBPF_SOCK_OPS_RELEASE(handler, sk, udp_flows, udp_sockets, walk_callback)                                    \
    ({                                                                                                                 \
        struct winbpf_sock_ops_udp_socket *socket_ =                                                                   \
            (sk)->protocol == WINBPF_IPPROTO_UDP_ ? bpf_sk_storage_get((udp_sockets), (sk), 0, 0) : NULL;              \
        if (socket_ && socket_->flows == 1) {                                                                          \
            struct winbpf_sock_ops_udp_key key_ = socket_->first;                                                      \
            struct winbpf_sock_ops_flow *flow_ = bpf_map_lookup_elem((udp_flows), &key_);                              \
            if (flow_ && !flow_->blocked)                                                                              \
                winbpf_sock_ops_call(handler, flow_, BPF_SOCK_OPS_CONNECTION_DELETED_CB, sk);                          \
            bpf_map_delete_elem((udp_flows), &key_);                                                                   \
        } else if (socket_ && socket_->flows > 1) {                                                                    \
            struct winbpf_sock_ops_release_walk walk_ = {.cookie = (bpf_get_socket_cookie)(sk), .linux_ctx = (sk)};    \
            bpf_for_each_map_elem((udp_flows), walk_callback, &walk_, 0);                                              \
        }                                                                                                              \
        if (socket_)                                                                                                   \
            socket_->flows = 0;                                                                                        \
        1;                                                                                                             \
    })

#define WINBPF_SOCK_OPS_ENTRY(handler)                                                                                 \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_SK_STORAGE);                                                                         \
        __uint(map_flags, BPF_F_NO_PREALLOC);                                                                          \
        __type(key, int);                                                                                              \
        __type(value, struct winbpf_sock_ops_flow);                                                                    \
    } handler##__winbpf_sockops_tcp_flows SEC(".maps");                                                                \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_LRU_HASH);                                                                           \
        __uint(max_entries, WINBPF_SOCK_OPS_UDP_FLOWS_MAX);                                                            \
        __type(key, struct winbpf_sock_ops_udp_key);                                                                   \
        __type(value, struct winbpf_sock_ops_flow);                                                                    \
    } handler##__winbpf_sockops_udp_flows SEC(".maps");                                                                \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_SK_STORAGE);                                                                         \
        __uint(map_flags, BPF_F_NO_PREALLOC);                                                                          \
        __type(key, int);                                                                                              \
        __type(value, struct winbpf_sock_ops_udp_socket);                                                              \
    } handler##__winbpf_sockops_udp_sockets SEC(".maps");                                                              \
    __attribute__((section("sockops"), used)) int handler##__winbpf_sockops_tcp(struct bpf_sock_ops *ops)              \
    {                                                                                                                  \
        return WINBPF_SOCK_OPS_TCP(handler, ops, &handler##__winbpf_sockops_tcp_flows);                                \
    }                                                                                                                  \
    __attribute__((section("cgroup_skb/egress"), used)) int handler##__winbpf_sockops_egress(struct __sk_buff *skb)    \
    {                                                                                                                  \
        return WINBPF_SOCK_OPS_SKB(handler, skb, 1, &handler##__winbpf_sockops_tcp_flows,                              \
                                   &handler##__winbpf_sockops_udp_flows, &handler##__winbpf_sockops_udp_sockets);      \
    }                                                                                                                  \
    __attribute__((section("cgroup_skb/ingress"), used)) int handler##__winbpf_sockops_ingress(struct __sk_buff *skb)  \
    {                                                                                                                  \
        return WINBPF_SOCK_OPS_SKB(handler, skb, 0, &handler##__winbpf_sockops_tcp_flows,                              \
                                   &handler##__winbpf_sockops_udp_flows, &handler##__winbpf_sockops_udp_sockets);      \
    }                                                                                                                  \
    static long handler##__winbpf_sockops_release_one(void *map, struct winbpf_sock_ops_udp_key *key,                  \
                                                      struct winbpf_sock_ops_flow *flow,                               \
                                                      struct winbpf_sock_ops_release_walk *walk)                       \
    {                                                                                                                  \
        if (key->cookie != walk->cookie)                                                                               \
            return 0;                                                                                                  \
        if (!flow->blocked)                                                                                            \
            winbpf_sock_ops_call(handler, flow, BPF_SOCK_OPS_CONNECTION_DELETED_CB, walk->linux_ctx);                  \
        bpf_map_delete_elem(map, key);                                                                                 \
        return 0;                                                                                                      \
    }                                                                                                                  \
    __attribute__((section("cgroup/sock_release"), used)) int handler##__winbpf_sockops_release(struct bpf_sock *sk)   \
    {                                                                                                                  \
        return WINBPF_SOCK_OPS_RELEASE(handler, sk, &handler##__winbpf_sockops_udp_flows,                              \
                                       &handler##__winbpf_sockops_udp_sockets, handler##__winbpf_sockops_release_one); \
    }
