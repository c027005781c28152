/* SPDX-License-Identifier: MIT */
/*
 * Glue of the sock_addr hooks (docs/hooks/sock_addr.md; the program side is ebpf_nethooks.h): Linux programs that build
 * bpf_sock_addr_t, call a Windows handler and apply its verdict. All of them are attached to one cgroup-v2 directory.
 *
 *   WINBPF_SOCK_ADDR_OBJECT_GLUE()  once per object: the flow verdicts of UDP sockets (winbpf_sock_addr_flows), the
 *     owners of sockets (winbpf_sock_addr_owners, socket storage written by the support program
 *     winbpf__sock_addr_owner at cgroup/sock_create), the chain state and, when a handler calls
 *     bpf_sock_addr_set_redirect_context (WINBPF_USES_sock_addr_redirect_context), the redirect contexts of redirected
 *     connections (winbpf_sock_addr_redirects, moved by the support program winbpf__sock_addr_redirect at sockops
 *     TCP_CONNECT to the connection's tuple, where winbpf::redirect_context finds it; UDP: copied there by
 *     winbpf__sock_addr_redirect_udp at cgroup_skb/egress, under each datagram's tuple). Per handler, by its section
 * (entries <handler>__winbpf_sock_addr_<event>): cgroup/connect4   connect4 (cgroup/connect4), connect4_sendmsg
 * (cgroup/sendmsg4), connect4_mapped (cgroup/connect6, IPv4-mapped destinations), connect4_sendmsg_mapped
 * (cgroup/sendmsg6, mapped) cgroup/connect6   connect6 (cgroup/connect6), connect6_sendmsg (cgroup/sendmsg6), both not
 * mapped cgroup/connect_authorization4/6   the same Linux hooks as connect4/6: connect_authorization4, ..._sendmsg, ...
 *     cgroup/recv_accept4  recv_accept4 (cgroup_skb/ingress: IPv4 packets); recv_accept6 likewise for IPv6
 *     cgroup/bind4      bind4 (cgroup/bind4), bind4_mapped (cgroup/bind6, mapped); cgroup/bind6: bind6
 *     cgroup/listen4    listen4 (?lsm/socket_listen, enforced: where BPF LSM loads) or listen4_observe
 *                       (tp/syscalls/sys_enter_listen, REJECT counted, not enforced); cgroup/listen6 likewise
 *   Linux cgroup programs return 1 to let the call or packet through and 0 to fail the call with EPERM (sock_addr) or
 *   to drop the packet (cgroup_skb).
 */
#pragma once

#include "winbpf/license.h"

WINBPF_REQUIRE_GPL("sock_addr", "bpf_get_current_task_btf for the socket owner's logon id, admin state and start key");

#include "ebpf_nethooks.h"
#include "ipifcons.h"
#include "winbpf/socket_owner.h"

#define WINBPF_SOCK_ADDR_FLOWS_MAX 65536     /* UDP (socket, remote endpoint) verdicts kept, least recently used out */
#define WINBPF_SOCK_ADDR_REDIRECTS_MAX 16384 /* redirect contexts of connections not yet accepted */
#define WINBPF_LINUX_ETH_P_IP 0x0800
#define WINBPF_LINUX_ETH_P_IPV6 0x86DD
#define WINBPF_IPPROTO_UDP 17
#define WINBPF_LOOPBACK_IFINDEX 1
#ifndef EPERM
#define EPERM 1
#endif

/* Which Linux addresses an entry program takes: its own family (4: a *4 program, 6: a *6 program without IPv4-mapped
 * endpoints) or, in a *6 program, only IPv4-mapped endpoints (which Windows gives to the *4 programs). */
#define WINBPF_SOCK_ADDR_V4 4
#define WINBPF_SOCK_ADDR_V6 6
#define WINBPF_SOCK_ADDR_MAPPED 46

/* A UDP flow of a socket as one handler saw it: key and the verdict that applies to its later datagrams. */
struct winbpf_sock_addr_flow_key {
    __u64 cookie; /* socket cookie */
    __u32 entry;  /* the entry program (its line in the generated glue) */
    __u32 port;   /* remote port, network order */
    __u32 ip[4];  /* remote address, network order (IPv4: ip[0]) */
};
struct winbpf_sock_addr_flow {
    __u32 allow;      /* 1: permit, 0: reject */
    __u32 redirected; /* 1: send to ip/port instead */
    __u32 ip[4];
    __u32 port;
};

/* A redirect context (bpf_sock_addr_set_redirect_context): by socket cookie at connect, then by the connection's
 * tuple (struct winbpf_redirect_key, winbpf/abi.h) once the SYN is sent. */
struct winbpf_redirect_context {
    __u32 size;
    __u8 data[WINBPF_REDIRECT_CONTEXT_MAX];
};

/*
 * Chains: Linux runs every program attached to a cgroup hook, in attach order, and fails the call when one returns 0.
 * Windows stops at the first REJECT or redirect. winbpf's entries keep per-call state so that an earlier program's
 * decision stands and later handlers do not run:
 *   - a REJECT: the kernel's own state, bpf_get_retval() (-EPERM once a program of the call returned 0); later
 *     entries see it and return without running their handler.
 *   - a redirect at connect: winbpf_sa_chain, socket storage shared by every loaded sock_addr object (the loader
 *     reuses the one map of that name), one slot per Linux hook (connect4, connect6, sendmsg4, sendmsg6). A slot lists
 *     the entries that ran in the current call on the socket and whether one of them redirected. The kernel runs one
 *     call of a socket at a time (the hooks hold the socket lock), and every attached entry runs once per call, so an
 *     entry that finds itself already listed starts a new call: it clears the slot. A connect entry that finds the
 *     slot redirected returns 1 without running its handler; connect_authorization entries run on the redirected
 *     destination. An entry that is the only winbpf entry on its Linux hook among the loaded objects (the solo bits of
 *     its object's winbpf_sa_conf, written by the loader: winbpf/abi.h) keeps no such state: no later entry would
 *     read it.
 */
#define WINBPF_SOCK_ADDR_CHAIN_MAX 16 /* entries of one Linux hook per call that the chain tells apart */
struct winbpf_sock_addr_chain {
    __u64 ran[WINBPF_SOCK_ADDR_CHAIN_MAX]; /* entries that ran in this call: (self << 32) | entry line */
    __u32 count;
    __u32 redirected; /* 1: an entry of this call redirected it */
};
struct winbpf_sock_addr_chains {
    struct winbpf_sock_addr_chain slot[4]; /* connect4, connect6, sendmsg4, sendmsg6 */
};

/* NET_LUID of an interface: Windows' loopback LUID (IfType 24, index 0) for loopback, else
 * (IfType << 48) | (ifindex << 24); 0 for an unknown interface. */
static __always_inline void winbpf_sock_addr_set_interface(struct winbpf_sock_addr_ctx *w, __u32 ifindex)
{
    if (ifindex == 0)
        return;
    w->ifindex = ifindex;
    w->iftype = ifindex == WINBPF_LOOPBACK_IFINDEX ? IF_TYPE_SOFTWARE_LOOPBACK : IF_TYPE_ETHERNET_CSMACD;
    w->md.interface_luid = ifindex == WINBPF_LOOPBACK_IFINDEX
                               ? (__u64)IF_TYPE_SOFTWARE_LOOPBACK << 48
                               : ((__u64)IF_TYPE_ETHERNET_CSMACD << 48) | ((__u64)ifindex << 24);
}

/* Common part of every entry: the hidden state and the fields every attach type has. NULL (the event passes
 * unchanged and is counted as lost) when this CPU's scratch is missing. */
static __always_inline struct winbpf_scratch *winbpf_sock_addr_prepare(struct winbpf_sock_addr_ctx *w, void *linux_ctx,
                                                                       __u32 at)
{
    struct winbpf_scratch *s = winbpf_context_start(w, sizeof(*w), linux_ctx, NULL);
    if (s)
        w->at = at;
    return s;
}

static __always_inline int winbpf_sock_addr_allows(int verdict)
{
    return verdict == BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT || verdict == BPF_SOCK_ADDR_VERDICT_PROCEED_HARD;
}

static __always_inline int winbpf_is_mapped(const __u32 *ip6)
{
    return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == bpf_htonl(0xffff);
}

/* The Linux addresses of a bpf_sock_addr: dst (user_*) and, for IPv4-mapped ones, whether the entry takes them. ip is
 * 4 words, network order. Field reads stay inside the branch of the entry's compile-time family: the verifier refuses
 * user_ip6 in a *4 program and user_ip4 in a *6 one. */
#define WINBPF_SOCK_ADDR_READ_USER(ip, ctx, mode)                                                                      \
    ({                                                                                                                 \
        int takes_ = 1;                                                                                                \
        (ip)[0] = (ip)[1] = (ip)[2] = (ip)[3] = 0;                                                                     \
        if ((mode) == WINBPF_SOCK_ADDR_V4) {                                                                           \
            (ip)[0] = (ctx)->user_ip4;                                                                                 \
        } else {                                                                                                       \
            (ip)[0] = (ctx)->user_ip6[0];                                                                              \
            (ip)[1] = (ctx)->user_ip6[1];                                                                              \
            (ip)[2] = (ctx)->user_ip6[2];                                                                              \
            (ip)[3] = (ctx)->user_ip6[3];                                                                              \
            takes_ = winbpf_is_mapped(ip) == ((mode) == WINBPF_SOCK_ADDR_MAPPED);                                      \
        }                                                                                                              \
        takes_;                                                                                                        \
    })

/* bpf_sock_addr_t's family and one endpoint from Linux words ip (IPv4: ip[0]; mapped: ip[3]) and port (network order
 * in the low 16 bits). */
static __always_inline void winbpf_sock_addr_set_user(bpf_sock_addr_t *md, int mode, const __u32 *ip, __u32 port)
{
    md->family = mode == WINBPF_SOCK_ADDR_V6 ? 23 : 2;
    if (mode == WINBPF_SOCK_ADDR_V6)
        __builtin_memcpy(md->user_ip6, ip, 16);
    else
        md->user_ip4 = mode == WINBPF_SOCK_ADDR_MAPPED ? ip[3] : ip[0];
    md->user_port = (__u16)port;
}
static __always_inline void winbpf_sock_addr_set_msg_src(bpf_sock_addr_t *md, int mode, const __u32 *ip, __u32 port)
{
    if (mode == WINBPF_SOCK_ADDR_V6)
        __builtin_memcpy(md->msg_src_ip6, ip, 16);
    else
        md->msg_src_ip4 = mode == WINBPF_SOCK_ADDR_MAPPED ? (winbpf_is_mapped(ip) ? ip[3] : 0) : ip[0];
    md->msg_src_port = (__u16)port;
}

/* The local endpoint of the socket behind a bpf_sock_addr (connect: 0 port until it is bound). */
#define WINBPF_SOCK_ADDR_LOCAL(ip, port, ctx, mode)                                                                    \
    do {                                                                                                               \
        (ip)[0] = (ip)[1] = (ip)[2] = (ip)[3] = 0;                                                                     \
        (port) = 0;                                                                                                    \
        struct bpf_sock *sk_ = (ctx)->sk;                                                                              \
        if (sk_) {                                                                                                     \
            if ((mode) == WINBPF_SOCK_ADDR_V4) {                                                                       \
                (ip)[0] = sk_->src_ip4;                                                                                \
            } else {                                                                                                   \
                (ip)[0] = sk_->src_ip6[0];                                                                             \
                (ip)[1] = sk_->src_ip6[1];                                                                             \
                (ip)[2] = sk_->src_ip6[2];                                                                             \
                (ip)[3] = sk_->src_ip6[3];                                                                             \
            }                                                                                                          \
            (port) = bpf_htons((__u16)sk_->src_port);                                                                  \
        }                                                                                                              \
    } while (0)

/* Loopback destinations (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) use the loopback interface. */
static __always_inline int winbpf_is_loopback(int mode, const __u32 *ip)
{
    if (mode == WINBPF_SOCK_ADDR_V4)
        return (bpf_ntohl(ip[0]) >> 24) == 127;
    if (mode == WINBPF_SOCK_ADDR_MAPPED)
        return (bpf_ntohl(ip[3]) >> 24) == 127;
    return ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] == bpf_htonl(1);
}

/* The object's config (winbpf_sa_conf[0], a map of the object glue: macros below), or NULL. */
#define winbpf_sock_addr_config_get()                                                                                  \
    ({                                                                                                                 \
        __u32 zero_ = 0;                                                                                               \
        (struct winbpf_sock_addr_config *)bpf_map_lookup_elem(&winbpf_sa_conf, &zero_);                                \
    })

/* Whether the object's handlers see a call in compartment (compartment_id=N at attach; 0: every compartment). */
#define winbpf_sock_addr_in_scope(compartment)                                                                         \
    ({                                                                                                                 \
        struct winbpf_sock_addr_config *config_ = winbpf_sock_addr_config_get();                                       \
        !config_ || config_->compartment_id == 0 || config_->compartment_id == (compartment);                          \
    })

/* Enters entry handler_id of the object of config (its winbpf_sa_conf value, or NULL) into the chain slot of the
 * current call on sk (a new call when it already ran in the slot's); evaluates to the slot, or NULL when the socket has
 * no storage (the entry then runs as if first). */
#define winbpf_sock_addr_chain_enter(sk, slot_index, config, handler_id)                                               \
    ({                                                                                                                 \
        struct winbpf_sock_addr_chain *chain_ = NULL;                                                                  \
        struct winbpf_sock_addr_chains *chains_ =                                                                      \
            (sk) ? bpf_sk_storage_get(&winbpf_sa_chain, (sk), 0, BPF_SK_STORAGE_GET_F_CREATE) : NULL;                  \
        if (chains_) {                                                                                                 \
            chain_ = &chains_->slot[(slot_index)&3];                                                                   \
            winbpf_sock_addr_chain_add(chain_, ((__u64)((config) ? (config)->self : 0) << 32) | (handler_id));         \
        }                                                                                                              \
        chain_;                                                                                                        \
    })

/* Whether the entry on hook (a WINBPF_SOCK_ADDR_HOOK_* bit, winbpf/abi.h) of the object of config (its winbpf_sa_conf
 * value, or NULL) is the only winbpf entry there of any loaded object (config's solo bits, written by the loader): it
 * then keeps no chain state, as no later entry would read it. */
#define winbpf_sock_addr_solo(config, hook) ((config) && ((config)->solo & (hook)))

/* Adds entry me to chain, first clearing it when me already ran in it (a new call) or it is full. */
static __always_inline void winbpf_sock_addr_chain_add(struct winbpf_sock_addr_chain *chain, __u64 me)
{
    int again = 0;
    for (__u32 i = 0; i < WINBPF_SOCK_ADDR_CHAIN_MAX; ++i)
        if (i < chain->count && chain->ran[i] == me)
            again = 1;
    __u32 n = chain->count;
    if (again || n >= WINBPF_SOCK_ADDR_CHAIN_MAX) {
        n = 0;
        chain->redirected = 0;
    }
    if (n < WINBPF_SOCK_ADDR_CHAIN_MAX)
        chain->ran[n] = me;
    chain->count = n + 1;
}

/* The chain slot of a sock_addr entry: its Linux hook (connect or sendmsg, of the section's family). */
#define WINBPF_SOCK_ADDR_CHAIN_SLOT(mode, sendmsg) (((sendmsg) ? 2 : 0) + ((mode) == WINBPF_SOCK_ADDR_V4 ? 0 : 1))
/* Its WINBPF_SOCK_ADDR_HOOK_* bit (winbpf/abi.h): the Linux hook and, on the IPv6 hooks, mapped or not. */
#define WINBPF_SOCK_ADDR_HOOK_BIT(mode, sendmsg)                                                                       \
    (((mode) == WINBPF_SOCK_ADDR_V4       ? WINBPF_SOCK_ADDR_HOOK_CONNECT4                                             \
      : (mode) == WINBPF_SOCK_ADDR_MAPPED ? WINBPF_SOCK_ADDR_HOOK_CONNECT6_MAPPED                                      \
                                          : WINBPF_SOCK_ADDR_HOOK_CONNECT6)                                            \
     << ((sendmsg) ? 1 : 0))

/*
 * connect, connect_authorization and bind on a Linux bpf_sock_addr (cgroup/connect*, cgroup/sendmsg*, cgroup/bind*):
 * builds the context, runs handler and applies the verdict. At connect an allowed context whose user_* the handler
 * changed redirects (written back to the Linux context); at connect_authorization and bind writes are discarded. For
 * UDP sendmsg, the verdict of a (socket, remote endpoint) is kept in flows and applied to its later datagrams without
 * running the handler (keyed by handler_id, the entry's line in the generated glue). Evaluates to 1 (let through) or
 * 0 (EPERM).
 */
#define WINBPF_SOCK_ADDR_RUN(handler, ctx, at, mode, sendmsg, handler_id)                                              \
    ({                                                                                                                 \
        int verdict_ = 1;                                                                                              \
        __u32 user_[4];                                                                                                \
        struct winbpf_sock_addr_config *config_ = winbpf_sock_addr_config_get();                                       \
        struct winbpf_sock_addr_chain *chain_ = NULL;                                                                  \
        if ((at) != WINBPF_SOCK_ADDR_AT_BIND &&                                                                        \
            !winbpf_sock_addr_solo(config_, WINBPF_SOCK_ADDR_HOOK_BIT(mode, sendmsg)))                                 \
            chain_ = winbpf_sock_addr_chain_enter((ctx)->sk, WINBPF_SOCK_ADDR_CHAIN_SLOT(mode, sendmsg), config_,      \
                                                  handler_id);                                                         \
        if (bpf_get_retval() != 0) {                                                                                   \
            /* an earlier program rejected the call: its block stands, this handler does not run */                    \
        } else if ((at) == WINBPF_SOCK_ADDR_AT_CONNECT && chain_ && chain_->redirected) {                              \
            /* an earlier program redirected the call: the redirect stands, this handler does not run */               \
        } else if (WINBPF_SOCK_ADDR_READ_USER(user_, ctx, mode)) {                                                     \
            /* the call's compartment, read once: the scope of compartment_id=N and the context's field */             \
            const __u32 compartment_ = winbpf_compartment(bpf_get_netns_cookie(ctx), winbpf_init_netns_cookie());      \
            if (!config_ || config_->compartment_id == 0 || config_->compartment_id == compartment_) {                 \
                struct winbpf_sock_addr_flow_key key_ = {};                                                            \
                struct winbpf_sock_addr_flow *cached_ = NULL;                                                          \
                int moved_ = 0;                                                                                        \
                if (sendmsg) {                                                                                         \
                    key_.cookie = (bpf_get_socket_cookie)(ctx);                                                        \
                    key_.entry = (handler_id);                                                                         \
                    key_.port = (__u16)(ctx)->user_port;                                                               \
                    __builtin_memcpy(key_.ip, user_, 16);                                                              \
                    cached_ = bpf_map_lookup_elem(&winbpf_sock_addr_flows, &key_);                                     \
                }                                                                                                      \
                if (cached_) {                                                                                         \
                    verdict_ = !!cached_->allow;                                                                       \
                    moved_ = cached_->redirected;                                                                      \
                    if (cached_->redirected)                                                                           \
                        winbpf_sock_addr_write_user(ctx, mode, cached_->ip, cached_->port);                            \
                } else {                                                                                               \
                    verdict_ = winbpf_sock_addr_call(handler, ctx, at, mode, user_, compartment_,                      \
                                                     sendmsg ? &key_ : NULL, moved_);                                  \
                }                                                                                                      \
                if (moved_ && chain_)                                                                                  \
                    chain_->redirected = 1;                                                                            \
            }                                                                                                          \
        }                                                                                                              \
        verdict_;                                                                                                      \
    })

/* Writes a redirect into the Linux context (a *4 program: user_ip4; a *6 one: user_ip6, IPv4-mapped for mapped). */
#define winbpf_sock_addr_write_user(ctx, mode, ip, port)                                                               \
    do {                                                                                                               \
        if ((mode) == WINBPF_SOCK_ADDR_V4) {                                                                           \
            (ctx)->user_ip4 = (ip)[0];                                                                                 \
        } else if ((mode) == WINBPF_SOCK_ADDR_MAPPED) {                                                                \
            (ctx)->user_ip6[3] = (ip)[0];                                                                              \
        } else {                                                                                                       \
            (ctx)->user_ip6[0] = (ip)[0];                                                                              \
            (ctx)->user_ip6[1] = (ip)[1];                                                                              \
            (ctx)->user_ip6[2] = (ip)[2];                                                                              \
            (ctx)->user_ip6[3] = (ip)[3];                                                                              \
        }                                                                                                              \
        (ctx)->user_port = (port);                                                                                     \
    } while (0)

/* Whether the handler changed the destination (user_ip4/user_ip6/user_port) of the context it was given. */
static __always_inline int winbpf_sock_addr_moved(const bpf_sock_addr_t *seen, const bpf_sock_addr_t *now)
{
    return seen->user_ip6[0] != now->user_ip6[0] || seen->user_ip6[1] != now->user_ip6[1] ||
           seen->user_ip6[2] != now->user_ip6[2] || seen->user_ip6[3] != now->user_ip6[3] ||
           seen->user_port != now->user_port;
}

/* Runs handler once on a bpf_sock_addr (see WINBPF_SOCK_ADDR_RUN) of compartment; key: where a UDP sendmsg keeps its
 * verdict, or NULL; moved (an int variable) becomes 1 when the handler redirected the call. */
#define winbpf_sock_addr_call(handler, ctx, at, mode, user, compartment, key, moved)                                   \
    ({                                                                                                                 \
        int allow_ = 1;                                                                                                \
        struct winbpf_sock_addr_ctx w_;                                                                                \
        struct winbpf_scratch *s_ = winbpf_sock_addr_prepare(&w_, ctx, at);                                            \
        if (s_) {                                                                                                      \
            winbpf_sock_addr_set_user(&w_.md, mode, user, (ctx)->user_port);                                           \
            if ((at) != WINBPF_SOCK_ADDR_AT_BIND) {                                                                    \
                __u32 local_[4], local_port_;                                                                          \
                WINBPF_SOCK_ADDR_LOCAL(local_, local_port_, ctx, mode);                                                \
                winbpf_sock_addr_set_msg_src(&w_.md, mode, local_, local_port_);                                       \
                if (winbpf_is_loopback(mode, user))                                                                    \
                    winbpf_sock_addr_set_interface(&w_, WINBPF_LOOPBACK_IFINDEX);                                      \
                else if ((ctx)->sk)                                                                                    \
                    winbpf_sock_addr_set_interface(&w_, (ctx)->sk->bound_dev_if);                                      \
            }                                                                                                          \
            w_.md.protocol = (ctx)->protocol;                                                                          \
            w_.md.compartment_id = (compartment);                                                                      \
            w_.cookie = (bpf_get_socket_cookie)(ctx);                                                                  \
            bpf_sock_addr_t seen_ = w_.md;                                                                             \
            int verdict_ = handler(&w_.md);                                                                            \
            allow_ = winbpf_sock_addr_allows(verdict_);                                                                \
            struct winbpf_sock_addr_flow flow_ = {.allow = allow_};                                                    \
            if (allow_ && (at) == WINBPF_SOCK_ADDR_AT_CONNECT && winbpf_sock_addr_moved(&seen_, &w_.md)) {             \
                flow_.redirected = 1;                                                                                  \
                (moved) = 1;                                                                                           \
                flow_.port = w_.md.user_port;                                                                          \
                __builtin_memcpy(flow_.ip, w_.md.user_ip6, 16);                                                        \
                winbpf_sock_addr_write_user(ctx, mode, flow_.ip, flow_.port);                                          \
            }                                                                                                          \
            if (allow_ && w_.redirect_context_size)                                                                    \
                winbpf_sock_addr_keep_redirect_context(&w_, s_);                                                       \
            if (key)                                                                                                   \
                bpf_map_update_elem(&winbpf_sock_addr_flows, (key), &flow_, BPF_ANY);                                  \
        }                                                                                                              \
        allow_;                                                                                                        \
    })

/* Transport header of an inbound packet (cgroup_skb: data starts at the network header). */
struct winbpf_inbound {
    __u32 src[4], dst[4]; /* network order; IPv4 in [0] */
    __u32 sport, dport;   /* network order in the low 16 bits */
    __u8 protocol;        /* IPPROTO_TCP or IPPROTO_UDP; 0: another protocol or a packet winbpf does not parse */
    __u8 tcp_flags;
};

/* Parses an IPv4 (mode 4) or IPv6 (mode 6) packet's addresses and ports. IPv6 extension headers and IPv4 fragments
 * after the first are not parsed (protocol 0: the packet passes). */
static __always_inline void winbpf_sock_addr_parse(struct __sk_buff *skb, int mode, struct winbpf_inbound *in)
{
    __u32 transport;
    in->protocol = 0;
    if (mode == WINBPF_SOCK_ADDR_V4) {
        struct iphdr ip;
        if (skb->protocol != bpf_htons(WINBPF_LINUX_ETH_P_IP) || bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
            return;
        if (ip.frag_off & bpf_htons(0x1fff))
            return;
        in->src[0] = ip.saddr;
        in->dst[0] = ip.daddr;
        in->protocol = ip.protocol;
        transport = (__u32)ip.ihl * 4;
    } else {
        struct ipv6hdr ip;
        if (skb->protocol != bpf_htons(WINBPF_LINUX_ETH_P_IPV6) || bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
            return;
        __builtin_memcpy(in->src, &ip.saddr, 16);
        __builtin_memcpy(in->dst, &ip.daddr, 16);
        in->protocol = ip.nexthdr;
        transport = sizeof(ip);
    }
    if (in->protocol != WINBPF_IPPROTO_TCP && in->protocol != WINBPF_IPPROTO_UDP) {
        in->protocol = 0;
        return;
    }
    __u8 header[14];
    if (bpf_skb_load_bytes(skb, transport & 0x3f, header, in->protocol == WINBPF_IPPROTO_TCP ? 14 : 4)) {
        in->protocol = 0;
        return;
    }
    in->sport = *(__u16 *)&header[0];
    in->dport = *(__u16 *)&header[2];
    in->tcp_flags = in->protocol == WINBPF_IPPROTO_TCP ? header[13] : 0;
}

#define WINBPF_TCP_FLAG_SYN 0x02
#define WINBPF_TCP_FLAG_ACK 0x10

/*
 * recv_accept on an inbound packet (cgroup_skb/ingress): a TCP SYN to a listening socket, or a UDP datagram of a
 * (socket, remote endpoint) not seen before by this handler, runs handler with msg_src = the remote and user = the
 * local endpoint, the socket's owner reported by the helpers; a UDP flow's verdict applies to its later datagrams.
 * Evaluates to 1 (pass) or 0 (drop).
 */
#define WINBPF_SOCK_ADDR_RECV_ACCEPT(handler, skb, mode, handler_id)                                                   \
    ({                                                                                                                 \
        int pass_ = 1;                                                                                                 \
        struct winbpf_inbound in_ = {};                                                                                \
        winbpf_sock_addr_parse(skb, mode, &in_);                                                                       \
        struct bpf_sock *sk_ = (skb)->sk;                                                                              \
        int new_connection_ = in_.protocol == WINBPF_IPPROTO_TCP &&                                                    \
                              (in_.tcp_flags & (WINBPF_TCP_FLAG_SYN | WINBPF_TCP_FLAG_ACK)) == WINBPF_TCP_FLAG_SYN &&  \
                              sk_ && sk_->state == BPF_TCP_LISTEN;                                                     \
        if (sk_ && (new_connection_ || in_.protocol == WINBPF_IPPROTO_UDP))                                            \
            pass_ = winbpf_sock_addr_recv_accept_flow(handler, skb, sk_, mode, &in_, handler_id);                      \
        pass_;                                                                                                         \
    })

#define winbpf_sock_addr_recv_accept_flow(handler, skb, sk, mode, in, handler_id)                                      \
    ({                                                                                                                 \
        int allow_ = 1;                                                                                                \
        struct winbpf_sock_addr_flow_key key_ = {};                                                                    \
        struct winbpf_sock_addr_flow *cached_ = NULL;                                                                  \
        key_.cookie = (bpf_get_socket_cookie)(skb);                                                                    \
        if ((in)->protocol == WINBPF_IPPROTO_UDP) {                                                                    \
            key_.entry = (handler_id);                                                                                 \
            key_.port = (in)->sport;                                                                                   \
            __builtin_memcpy(key_.ip, (in)->src, 16);                                                                  \
            cached_ = bpf_map_lookup_elem(&winbpf_sock_addr_flows, &key_);                                             \
        }                                                                                                              \
        if (cached_) {                                                                                                 \
            allow_ = !!cached_->allow;                                                                                 \
        } else {                                                                                                       \
            struct winbpf_sock_addr_ctx w_;                                                                            \
            struct winbpf_scratch *s_ = winbpf_sock_addr_prepare(&w_, skb, WINBPF_SOCK_ADDR_AT_RECV_ACCEPT);           \
            if (s_) {                                                                                                  \
                winbpf_sock_addr_set_user(&w_.md, mode, (in)->dst, (in)->dport);                                       \
                winbpf_sock_addr_set_msg_src(&w_.md, mode, (in)->src, (in)->sport);                                    \
                w_.md.protocol = (in)->protocol;                                                                       \
                winbpf_sock_addr_set_interface(&w_, (skb)->ifindex);                                                   \
                w_.cookie = key_.cookie;                                                                               \
                struct bpf_sock *full_ = bpf_sk_fullsock(sk);                                                          \
                struct winbpf_sock_addr_socket *socket_ =                                                              \
                    full_ ? bpf_sk_storage_get(&winbpf_sock_addr_owners, full_, 0, 0) : NULL;                          \
                if (socket_) {                                                                                         \
                    s_->owner = socket_->owner;                                                                        \
                    w_.md.compartment_id = socket_->compartment_id;                                                    \
                }                                                                                                      \
                /* out of the attach's compartment (a socket without a record: compartment unknown, 0): passes */      \
                if (winbpf_sock_addr_in_scope(w_.md.compartment_id))                                                   \
                    allow_ = winbpf_sock_addr_allows(handler(&w_.md));                                                 \
                s_->owner.valid = 0;                                                                                   \
                struct winbpf_sock_addr_flow flow_ = {.allow = allow_};                                                \
                if ((in)->protocol == WINBPF_IPPROTO_UDP)                                                              \
                    bpf_map_update_elem(&winbpf_sock_addr_flows, &key_, &flow_, BPF_ANY);                              \
            }                                                                                                          \
        }                                                                                                              \
        allow_;                                                                                                        \
    })

/* The redirect contexts (bpf_sock_addr_set_redirect_context) of an object whose handlers set them (the glue is then
 * compiled with WINBPF_USES_sock_addr_redirect_context, winbpf-glue's record of the helper's use): the contexts by
 * socket cookie, by connection tuple, and the support programs that move them from the one to the other when the SYN
 * or a datagram leaves. An object whose handlers never call the helper has none of them, and none runs. */
#ifdef WINBPF_USES_sock_addr_redirect_context
#define WINBPF_SOCK_ADDR_REDIRECT_GLUE()                                                                               \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_LRU_HASH);                                                                           \
        __uint(max_entries, WINBPF_SOCK_ADDR_REDIRECTS_MAX);                                                           \
        __type(key, __u64);                                                                                            \
        __type(value, struct winbpf_redirect_context);                                                                 \
    } winbpf_sock_addr_redirects SEC(".maps");                                                                         \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_LRU_HASH);                                                                           \
        __uint(max_entries, WINBPF_SOCK_ADDR_REDIRECTS_MAX);                                                           \
        __type(key, struct winbpf_redirect_key);                                                                       \
        __type(value, struct winbpf_redirect_context);                                                                 \
    } winbpf_redirect SEC(".maps");                                                                                    \
    __attribute__((section("cgroup_skb/egress"), used)) int winbpf__sock_addr_redirect_udp(struct __sk_buff *skb)      \
    {                                                                                                                  \
        __u64 cookie = (bpf_get_socket_cookie)(skb);                                                                   \
        struct winbpf_redirect_context *rc = bpf_map_lookup_elem(&winbpf_sock_addr_redirects, &cookie);                \
        if (!rc)                                                                                                       \
            return 1;                                                                                                  \
        struct winbpf_inbound out = {};                                                                                \
        const int v4 = skb->protocol == bpf_htons(WINBPF_LINUX_ETH_P_IP);                                              \
        winbpf_sock_addr_parse(skb, v4 ? WINBPF_SOCK_ADDR_V4 : WINBPF_SOCK_ADDR_V6, &out);                             \
        if (out.protocol != WINBPF_IPPROTO_UDP)                                                                        \
            return 1;                                                                                                  \
        struct winbpf_redirect_key key = {};                                                                           \
        key.family = v4 ? WINBPF_LINUX_AF_INET : WINBPF_LINUX_AF_INET6;                                                \
        key.local_port = bpf_ntohs((__u16)out.sport);                                                                  \
        key.remote_port = bpf_ntohs((__u16)out.dport);                                                                 \
        __builtin_memcpy(key.local_ip, out.src, 16);                                                                   \
        __builtin_memcpy(key.remote_ip, out.dst, 16);                                                                  \
        bpf_map_update_elem(&winbpf_redirect, &key, rc, BPF_ANY);                                                      \
        return 1;                                                                                                      \
    }                                                                                                                  \
    __attribute__((section("sockops"), used)) int winbpf__sock_addr_redirect(struct bpf_sock_ops *ops)                 \
    {                                                                                                                  \
        if (ops->op != BPF_SOCK_OPS_TCP_CONNECT_CB)                                                                    \
            return 1;                                                                                                  \
        __u64 cookie = (bpf_get_socket_cookie)(ops);                                                                   \
        struct winbpf_redirect_context *rc = bpf_map_lookup_elem(&winbpf_sock_addr_redirects, &cookie);                \
        if (!rc)                                                                                                       \
            return 1;                                                                                                  \
        struct winbpf_redirect_key key = {};                                                                           \
        key.family = ops->family;                                                                                      \
        key.local_port = ops->local_port;                                                                              \
        key.remote_port = bpf_ntohl(ops->remote_port) & 0xffff; /* the kernel shifts the be16 port left by 16 */       \
        if (ops->family == WINBPF_LINUX_AF_INET) {                                                                     \
            key.local_ip[0] = ops->local_ip4;                                                                          \
            key.remote_ip[0] = ops->remote_ip4;                                                                        \
        } else {                                                                                                       \
            key.local_ip[0] = ops->local_ip6[0];                                                                       \
            key.local_ip[1] = ops->local_ip6[1];                                                                       \
            key.local_ip[2] = ops->local_ip6[2];                                                                       \
            key.local_ip[3] = ops->local_ip6[3];                                                                       \
            key.remote_ip[0] = ops->remote_ip6[0];                                                                     \
            key.remote_ip[1] = ops->remote_ip6[1];                                                                     \
            key.remote_ip[2] = ops->remote_ip6[2];                                                                     \
            key.remote_ip[3] = ops->remote_ip6[3];                                                                     \
        }                                                                                                              \
        bpf_map_update_elem(&winbpf_redirect, &key, rc, BPF_ANY);                                                      \
        bpf_map_delete_elem(&winbpf_sock_addr_redirects, &cookie);                                                     \
        return 1;                                                                                                      \
    }
/* Keeps the redirect context the handler set (in the scratch's bounce region) for the connection, by socket cookie. */
#define winbpf_sock_addr_keep_redirect_context(w, s)                                                                   \
    do {                                                                                                               \
        struct winbpf_redirect_context *rc_ = (struct winbpf_redirect_context *)((s)->bounce + 4096);                  \
        rc_->size = (w)->redirect_context_size;                                                                        \
        __builtin_memcpy(rc_->data, (s)->bounce, WINBPF_REDIRECT_CONTEXT_MAX);                                         \
        bpf_map_update_elem(&winbpf_sock_addr_redirects, &(w)->cookie, rc_, BPF_ANY);                                  \
    } while (0)

#else
#define WINBPF_SOCK_ADDR_REDIRECT_GLUE()
#define winbpf_sock_addr_keep_redirect_context(w, s) ((void)0)
#endif

#define WINBPF_SOCK_ADDR_OBJECT_GLUE()                                                                                 \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_LRU_HASH);                                                                           \
        __uint(max_entries, WINBPF_SOCK_ADDR_FLOWS_MAX);                                                               \
        __type(key, struct winbpf_sock_addr_flow_key);                                                                 \
        __type(value, struct winbpf_sock_addr_flow);                                                                   \
    } winbpf_sock_addr_flows SEC(".maps");                                                                             \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);                                                                       \
        __uint(max_entries, 1);                                                                                        \
        __type(key, __u32);                                                                                            \
        __type(value, __u32);                                                                                          \
    } winbpf_listen SEC(".maps");                                                                                      \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                                                       \
        __uint(max_entries, 1);                                                                                        \
        __type(key, __u32);                                                                                            \
        __type(value, __u64);                                                                                          \
    } winbpf_listen_unenforced SEC(".maps");                                                                           \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_ARRAY);                                                                              \
        __uint(max_entries, 1);                                                                                        \
        __uint(map_flags, BPF_F_MMAPABLE); /* the loader writes each field alone (winbpf/abi.h) */                     \
        __type(key, __u32);                                                                                            \
        __type(value, struct winbpf_sock_addr_config);                                                                 \
    } winbpf_sa_conf SEC(".maps");                                                                                     \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_SK_STORAGE);                                                                         \
        __uint(map_flags, BPF_F_NO_PREALLOC);                                                                          \
        __type(key, int);                                                                                              \
        __type(value, struct winbpf_sock_addr_chains);                                                                 \
    } winbpf_sa_chain SEC(".maps");                                                                                    \
    WINBPF_SOCK_ADDR_REDIRECT_GLUE()

/* One Linux sock_addr entry program: <handler>__winbpf_sock_addr_<event> in section, for a Windows attach type. */
#define WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, event, linux_section, at, mode, sendmsg)                                 \
    __attribute__((section(linux_section), used)) int handler##__winbpf_sock_addr_##event(struct bpf_sock_addr *ctx)   \
    {                                                                                                                  \
        return WINBPF_SOCK_ADDR_RUN(handler, ctx, at, mode, sendmsg, __LINE__);                                        \
    }

#define WINBPF_SOCK_ADDR_CONNECT4_ENTRY(handler)                                                                       \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect4, "cgroup/connect4", WINBPF_SOCK_ADDR_AT_CONNECT,                    \
                                 WINBPF_SOCK_ADDR_V4, 0)                                                               \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect4_sendmsg, "cgroup/sendmsg4", WINBPF_SOCK_ADDR_AT_CONNECT,            \
                                 WINBPF_SOCK_ADDR_V4, 1)                                                               \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect4_mapped, "cgroup/connect6", WINBPF_SOCK_ADDR_AT_CONNECT,             \
                                 WINBPF_SOCK_ADDR_MAPPED, 0)                                                           \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect4_sendmsg_mapped, "cgroup/sendmsg6", WINBPF_SOCK_ADDR_AT_CONNECT,     \
                                 WINBPF_SOCK_ADDR_MAPPED, 1)

#define WINBPF_SOCK_ADDR_CONNECT6_ENTRY(handler)                                                                       \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect6, "cgroup/connect6", WINBPF_SOCK_ADDR_AT_CONNECT,                    \
                                 WINBPF_SOCK_ADDR_V6, 0)                                                               \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect6_sendmsg, "cgroup/sendmsg6", WINBPF_SOCK_ADDR_AT_CONNECT,            \
                                 WINBPF_SOCK_ADDR_V6, 1)

#define WINBPF_SOCK_ADDR_CONNECT_AUTHORIZATION4_ENTRY(handler)                                                         \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect_authorization4, "cgroup/connect4",                                   \
                                 WINBPF_SOCK_ADDR_AT_CONNECT_AUTHORIZATION, WINBPF_SOCK_ADDR_V4, 0)                    \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect_authorization4_sendmsg, "cgroup/sendmsg4",                           \
                                 WINBPF_SOCK_ADDR_AT_CONNECT_AUTHORIZATION, WINBPF_SOCK_ADDR_V4, 1)                    \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect_authorization4_mapped, "cgroup/connect6",                            \
                                 WINBPF_SOCK_ADDR_AT_CONNECT_AUTHORIZATION, WINBPF_SOCK_ADDR_MAPPED, 0)                \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect_authorization4_sendmsg_mapped, "cgroup/sendmsg6",                    \
                                 WINBPF_SOCK_ADDR_AT_CONNECT_AUTHORIZATION, WINBPF_SOCK_ADDR_MAPPED, 1)

#define WINBPF_SOCK_ADDR_CONNECT_AUTHORIZATION6_ENTRY(handler)                                                         \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect_authorization6, "cgroup/connect6",                                   \
                                 WINBPF_SOCK_ADDR_AT_CONNECT_AUTHORIZATION, WINBPF_SOCK_ADDR_V6, 0)                    \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, connect_authorization6_sendmsg, "cgroup/sendmsg6",                           \
                                 WINBPF_SOCK_ADDR_AT_CONNECT_AUTHORIZATION, WINBPF_SOCK_ADDR_V6, 1)

#define WINBPF_SOCK_ADDR_BIND4_ENTRY(handler)                                                                          \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, bind4, "cgroup/bind4", WINBPF_SOCK_ADDR_AT_BIND, WINBPF_SOCK_ADDR_V4, 0)     \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, bind4_mapped, "cgroup/bind6", WINBPF_SOCK_ADDR_AT_BIND,                      \
                                 WINBPF_SOCK_ADDR_MAPPED, 0)

#define WINBPF_SOCK_ADDR_BIND6_ENTRY(handler)                                                                          \
    WINBPF_SOCK_ADDR_LINUX_ENTRY(handler, bind6, "cgroup/bind6", WINBPF_SOCK_ADDR_AT_BIND, WINBPF_SOCK_ADDR_V6, 0)

#define WINBPF_SOCK_ADDR_RECV_ACCEPT_LINUX_ENTRY(handler, event, mode)                                                 \
    __attribute__((section("cgroup_skb/ingress"), used)) int handler##__winbpf_sock_addr_##event(                      \
        struct __sk_buff *skb)                                                                                         \
    {                                                                                                                  \
        return WINBPF_SOCK_ADDR_RECV_ACCEPT(handler, skb, mode, __LINE__);                                             \
    }

#define WINBPF_SOCK_ADDR_RECV_ACCEPT4_ENTRY(handler)                                                                   \
    WINBPF_SOCK_ADDR_RECV_ACCEPT_LINUX_ENTRY(handler, recv_accept4, WINBPF_SOCK_ADDR_V4)
#define WINBPF_SOCK_ADDR_RECV_ACCEPT6_ENTRY(handler)                                                                   \
    WINBPF_SOCK_ADDR_RECV_ACCEPT_LINUX_ENTRY(handler, recv_accept6, WINBPF_SOCK_ADDR_V6)

/*
 * listen: Linux has no cgroup hook for listen(). Where BPF LSM programs load (the process hook's deny enforcement
 * probe: "lsm"), lsm/socket_listen runs the handler and a REJECT makes listen() fail with EPERM; elsewhere the
 * syscalls/sys_enter_listen tracepoint runs it and a REJECT is not enforced: counted in winbpf_listen_unenforced.
 * Either way only for processes in the attach cgroup (winbpf_listen, a cgroup array the loader fills).
 * msg_src and user are both the socket's local (listening) endpoint.
 */
#define WINBPF_LISTEN_UNENFORCED_MAP "winbpf_listen_unenforced"

/* The handler's verdict on a listen() of sock (kernel struct socket), for a *4 (mode 4: IPv4 and IPv4-mapped local
 * addresses) or *6 handler; 1 when the socket is not of the handler's family or not in scope. */
#define WINBPF_SOCK_ADDR_LISTEN(handler, sock, mode)                                                                   \
    ({                                                                                                                 \
        int allow_ = 1;                                                                                                \
        struct sock *sk_ = BPF_CORE_READ((struct socket *)(sock), sk);                                                 \
        __u32 zero_ = 0;                                                                                               \
        if (sk_ && bpf_current_task_under_cgroup(&winbpf_listen, zero_) == 1) {                                        \
            __u16 family_ = BPF_CORE_READ(sk_, __sk_common.skc_family);                                                \
            __u32 ip_[4] = {};                                                                                         \
            int listen_mode_ = WINBPF_SOCK_ADDR_V4;                                                                    \
            if (family_ == WINBPF_LINUX_AF_INET) {                                                                     \
                ip_[0] = BPF_CORE_READ(sk_, __sk_common.skc_rcv_saddr);                                                \
            } else if (family_ == WINBPF_LINUX_AF_INET6) {                                                             \
                BPF_CORE_READ_INTO(&ip_, sk_, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);                           \
                listen_mode_ = winbpf_is_mapped(ip_) ? WINBPF_SOCK_ADDR_MAPPED : WINBPF_SOCK_ADDR_V6;                  \
            } else {                                                                                                   \
                listen_mode_ = 0;                                                                                      \
            }                                                                                                          \
            if (listen_mode_ != 0 && (listen_mode_ == WINBPF_SOCK_ADDR_V6) == ((mode) == WINBPF_SOCK_ADDR_V6)) {       \
                struct winbpf_sock_addr_ctx w_;                                                                        \
                if (winbpf_sock_addr_prepare(&w_, sk_, WINBPF_SOCK_ADDR_AT_LISTEN)) {                                  \
                    __u32 port_ = bpf_htons(BPF_CORE_READ(sk_, __sk_common.skc_num));                                  \
                    winbpf_sock_addr_set_user(&w_.md, listen_mode_, ip_, port_);                                       \
                    winbpf_sock_addr_set_msg_src(&w_.md, listen_mode_, ip_, port_);                                    \
                    w_.md.protocol = BPF_CORE_READ(sk_, sk_protocol);                                                  \
                    __u64 *init_cookie_ = bpf_map_lookup_elem(&winbpf_init_netns, &zero_);                             \
                    w_.md.compartment_id =                                                                             \
                        winbpf_compartment(BPF_CORE_READ(sk_, __sk_common.skc_net.net, net_cookie),                    \
                                           init_cookie_ && *init_cookie_ ? *init_cookie_ : (__u64)-1);                 \
                    w_.cookie = BPF_CORE_READ(sk_, __sk_common.skc_cookie.counter); /* 0 until first asked for */      \
                    if (winbpf_sock_addr_in_scope(w_.md.compartment_id))                                               \
                        allow_ = winbpf_sock_addr_allows(handler(&w_.md));                                             \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        allow_;                                                                                                        \
    })

/* The struct socket of file descriptor fd of the current task, or NULL (not a socket, or out of range). */
static __always_inline struct socket *winbpf_current_socket(__u64 fd)
{
    struct task_struct *task = bpf_get_current_task_btf();
    struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
    if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
        return NULL;
    struct file **fds = BPF_CORE_READ(fdt, fd);
    struct file *file = NULL;
    if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd & 0xfffff]) || !file)
        return NULL;
    __u16 mode = BPF_CORE_READ(file, f_inode, i_mode);
    if ((mode & 0170000) != 0140000) /* S_ISSOCK */
        return NULL;
    return BPF_CORE_READ(file, private_data);
}

#define WINBPF_SOCK_ADDR_LISTEN_ENTRY(handler, event, mode)                                                            \
    __attribute__((section("?lsm/socket_listen"), used)) int BPF_PROG(handler##__winbpf_sock_addr_##event,             \
                                                                      struct socket *sock, int backlog, int ret)       \
    {                                                                                                                  \
        if (ret)                                                                                                       \
            return ret;                                                                                                \
        return WINBPF_SOCK_ADDR_LISTEN(handler, sock, mode) ? 0 : -EPERM;                                              \
    }                                                                                                                  \
    __attribute__((section("tp/syscalls/sys_enter_listen"), used)) int handler##__winbpf_sock_addr_##event##_observe(  \
        struct trace_event_raw_sys_enter *ctx)                                                                         \
    {                                                                                                                  \
        struct socket *sock = winbpf_current_socket(ctx->args[0]);                                                     \
        if (sock && !WINBPF_SOCK_ADDR_LISTEN(handler, sock, mode)) {                                                   \
            __u32 zero = 0;                                                                                            \
            __u64 *count = bpf_map_lookup_elem(&winbpf_listen_unenforced, &zero);                                      \
            if (count)                                                                                                 \
                *count += 1;                                                                                           \
        }                                                                                                              \
        return 0;                                                                                                      \
    }

#define WINBPF_SOCK_ADDR_LISTEN4_ENTRY(handler) WINBPF_SOCK_ADDR_LISTEN_ENTRY(handler, listen4, WINBPF_SOCK_ADDR_V4)
#define WINBPF_SOCK_ADDR_LISTEN6_ENTRY(handler) WINBPF_SOCK_ADDR_LISTEN_ENTRY(handler, listen6, WINBPF_SOCK_ADDR_V6)

/* bpf_tail_call in a sock_addr handler: the attach types' Linux programs are of different program types
 * (cgroup/sock_addr, cgroup_skb) and cannot share a program array. */
