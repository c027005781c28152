/* SPDX-License-Identifier: MIT */
/*
 * The eBPF-for-Windows `bind` hook (netebpfext, docs/hooks/bind.md), on Linux.
 *
 * A SEC("bind") handler runs three times for a bound socket, in the cgroup-v2 directory it is attached to
 * (`winbpf add program FILE cgroup=PATH`; default: the cgroup-v2 root):
 *   BIND       cgroup/bind4, cgroup/bind6: before the bind. PERMIT_SOFT and PERMIT_HARD allow; REDIRECT allows with
 *              the port and address the handler wrote into socket_address (and, for IPv6, into the full address, see
 *              WINBPF_BIND_SOCKADDR_IN6); DENY and any unknown value make bind() fail with EPERM.
 *   POST_BIND  cgroup/post_bind4, cgroup/post_bind6: after the port is chosen (the real port of a port-0 bind).
 *              DENY or an unknown value makes bind() fail with EPERM; REDIRECT allows unchanged (too late to move).
 *   UNBIND     cgroup/sock_release: once, when a socket that completed POST_BIND is released; the return is ignored.
 *              process_id and app_id are the binding process's, also when another process closes the socket last.
 * Several bind programs attached at once all run; a deny from any of them denies. PERMIT_HARD means what PERMIT_SOFT
 * means: Linux has no filter priorities, so it cannot override another program's DENY.
 *
 * Context (Windows layout and numbering):
 *   app_id      file name of the caller's executable after the last '/' (current->mm->exe_file, so the name
 *               /proc/PID/exe shows, never the 16-byte comm), UTF-16LE with its NUL; empty for kernel threads.
 *   process_id  tgid.
 *   socket_address  family as Windows numbers it (AF_INET 2, AF_INET6 23) at offset 0 (u16, host order), port at
 *               offset 2 (network order), then for IPv4 the address at offset 4 (network order): a SOCKADDR_IN. For
 *               IPv6 it holds the first 16 bytes of a SOCKADDR_IN6 (flowinfo 0 at offset 4, the first 8 address bytes
 *               at offset 8); the whole 28-byte SOCKADDR_IN6 (16-byte address at offset 8) is at
 *               WINBPF_BIND_SOCKADDR_IN6(ctx).
 *   socket_address_length  16 (SOCKADDR_IN) or 28 (SOCKADDR_IN6).
 *   protocol    IPPROTO_TCP (6) or IPPROTO_UDP (17) (the socket's protocol).
 */
#pragma once

#include "bpf_helpers.h"

typedef enum _bind_operation {
    BIND_OPERATION_BIND,      ///< Entry to bind (Linux: cgroup/bind4, cgroup/bind6).
    BIND_OPERATION_POST_BIND, ///< After port allocation (Linux: cgroup/post_bind4, cgroup/post_bind6).
    BIND_OPERATION_UNBIND,    ///< Release port (Linux: cgroup/sock_release of a socket that was bound).
} bind_operation_t;

typedef struct _bind_md {
    uint8_t *app_id_start;         ///< UTF-16LE executable file name with its NUL.
    uint8_t *app_id_end;           ///< End of the app id.
    uint64_t process_id;           ///< tgid.
    uint8_t socket_address[16];    ///< SOCKADDR_IN, or the first 16 bytes of a SOCKADDR_IN6 (Windows numbering).
    uint8_t socket_address_length; ///< 16 (IPv4) or 28 (IPv6).
    bind_operation_t operation;    ///< BIND, POST_BIND or UNBIND.
    uint8_t protocol;              ///< IPPROTO_TCP or IPPROTO_UDP.
} bind_md_t;

typedef enum _bind_action {
    BIND_PERMIT_SOFT, ///< Permit.
    BIND_DENY,        ///< Deny: bind() fails with EPERM.
    BIND_REDIRECT,    ///< Permit at the port and address written into socket_address (BIND only).
    BIND_PERMIT_HARD, ///< Permit (on Linux the same as PERMIT_SOFT: another program's DENY still denies).
    BIND_PERMIT = BIND_PERMIT_SOFT,
} bind_action_t;

typedef bind_action_t bind_hook_t(bind_md_t *context);

/* Address families as Windows numbers them in socket_address (AF_INET6 is 10 on Linux, 23 on Windows). */
#define WINBPF_AF_INET 2
#define WINBPF_AF_INET6 23

/* The whole SOCKADDR_IN6 of an IPv6 bind (28 bytes: family u16, port u16 network order, flowinfo u32, 16-byte
 * address at offset 8, scope id u32 at offset 24), right after the bind_md_t. A REDIRECT takes the IPv6 address from
 * here and the port from socket_address. Meaningless for IPv4. */
#define WINBPF_BIND_SOCKADDR_IN6(ctx) ((uint8_t *)(ctx) + sizeof(bind_md_t))

/* bpf_tail_call(ctx, &prog_array, index) continues in the handler the loader put at index (winbpf::Object::
 * set_tail_call), at the same event (winbpf/general_helpers.h). */
static __always_inline long winbpf_tail_call_bind(struct _bind_md *ctx, void *prog_array, __u32 index)
{
    (void)prog_array; /* the hidden context names this event's program array */
    return winbpf_tail_call_hidden(ctx, index);
}

/*
 * The eBPF-for-Windows sock_addr hooks (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, docs/hooks/sock_addr.md), on Linux. A handler
 * in one of the sections below whose parameter is a bpf_sock_addr_t * is a Windows program (a handler taking Linux's
 * struct bpf_sock_addr * stays a native libbpf program). Every program attaches to one cgroup-v2 directory
 * (`winbpf add program FILE cgroup=PATH`; default: the cgroup-v2 root) and sees the sockets of its processes.
 *
 *   cgroup/connect4, connect6    connect() (TCP, UDP) and the first datagram an unconnected UDP socket sends to a
 *                                remote endpoint (Linux: cgroup/connect4/6, cgroup/sendmsg4/6; a UDP socket's
 *                                verdict and redirect for an endpoint apply to its later datagrams to it without
 *                                running the handler again). msg_src = the local endpoint, user = the remote one.
 *                                REJECT: connect() or sendto() fails with EPERM. A changed user_ip4/user_ip6/user_port
 *                                with another verdict redirects the connection or datagram there.
 *   cgroup/connect_authorization4, 6   the same calls, after the connect programs attached before it, on a copy:
 *                                writes are discarded, REJECT blocks as at connect.
 *   cgroup/recv_accept4, 6       the first packet of each inbound TCP connection (its SYN, to a listening socket) and
 *                                of each inbound UDP flow (socket, remote endpoint) (Linux: cgroup_skb/ingress).
 *                                msg_src = the remote endpoint, user = the local one. REJECT drops the packet: the
 *                                connection never reaches accept() (the client's connect times out), the datagram
 *                                never reaches recvfrom(). The helpers report the process that created the socket.
 *   cgroup/bind4, bind6          bind() (Linux: cgroup/bind4/6): user = the address and port asked for; REJECT makes
 *                                bind() fail with EPERM; writes are discarded.
 *   cgroup/listen4, listen6      listen() (Linux: BPF LSM socket_listen where BPF LSM programs load: REJECT makes
 *                                listen() fail with EPERM; elsewhere the syscalls/sys_enter_listen tracepoint: the
 *                                handler runs, a REJECT is counted and not enforced). msg_src = user = the local
 *                                endpoint; writes are discarded.
 * IPv4-mapped IPv6 endpoints of dual-stack sockets go to the *4 programs only, as AF_INET with *_ip4 fields.
 * Several programs on one hook all run (Linux runs a cgroup's programs in attach order); any REJECT blocks.
 * PROCEED_HARD permits as PROCEED_SOFT does: Linux has no filter weights, so it cannot override another REJECT.
 *
 * Context (Windows layout, 64 bytes; addresses and ports in network order):
 *   family          AF_INET (2) or AF_INET6 (23, Windows' number)
 *   msg_src_*, user_*   as above per attach type
 *   protocol        IPPROTO_TCP (6) or IPPROTO_UDP (17)
 *   compartment_id  the network namespace's cookie: 1 in the initial namespace
 *   interface_luid  NET_LUID of the interface: recv_accept: the one the packet came in on; connect: loopback for a
 *                   loopback destination, the bound device (SO_BINDTODEVICE) if any, else 0 (the route is not chosen
 *                   yet). Loopback is IF_TYPE_SOFTWARE_LOOPBACK << 48 (as Windows' loopback LUID); another interface
 *                   (IfType << 48) | (ifindex << 24), IfType 6 (Ethernet).
 */
#define BPF_SOCK_ADDR_VERDICT_PROCEED BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT /* older headers' name */

typedef enum _ebpf_sock_addr_verdict {
    BPF_SOCK_ADDR_VERDICT_REJECT,       ///< Block: the call fails (EPERM) or the packet is dropped.
    BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT, ///< Allow.
    BPF_SOCK_ADDR_VERDICT_PROCEED_HARD, ///< Allow (on Linux the same as PROCEED_SOFT).
} ebpf_sock_addr_verdict_t;

typedef struct _bpf_sock_addr {
    uint32_t family; ///< AF_INET (2) or AF_INET6 (23).
    struct {
        union {
            uint32_t msg_src_ip4;
            uint32_t msg_src_ip6[4];
        };
        uint16_t msg_src_port; ///< Network order.
    };
    struct {
        union {
            uint32_t user_ip4;
            uint32_t user_ip6[4];
        };
        uint16_t user_port; ///< Network order.
    };
    uint32_t protocol;       ///< IPPROTO_TCP or IPPROTO_UDP.
    uint32_t compartment_id; ///< Network namespace cookie (1: the initial namespace).
    uint64_t interface_luid; ///< NET_LUID (see above).
} bpf_sock_addr_t;
_Static_assert(sizeof(bpf_sock_addr_t) == 64, "bpf_sock_addr_t is 64 bytes");
_Static_assert(__builtin_offsetof(bpf_sock_addr_t, msg_src_port) == 20, "msg_src_port at 20");
_Static_assert(__builtin_offsetof(bpf_sock_addr_t, user_ip4) == 24, "user_ip4 at 24");
_Static_assert(__builtin_offsetof(bpf_sock_addr_t, user_port) == 40, "user_port at 40");
_Static_assert(__builtin_offsetof(bpf_sock_addr_t, protocol) == 44, "protocol at 44");
_Static_assert(__builtin_offsetof(bpf_sock_addr_t, interface_luid) == 56, "interface_luid at 56");

typedef ebpf_sock_addr_verdict_t sock_addr_hook_t(bpf_sock_addr_t *context);

/* Version 1 of what bpf_sock_addr_get_network_context fills (32 bytes). Not available: all ones. */
typedef struct _bpf_sock_addr_network_context {
    uint32_t version;                 ///< 1.
    uint32_t interface_type;          ///< IANA ifType (ipifcons.h): 24 loopback, 6 Ethernet.
    uint32_t tunnel_type;             ///< 0: not a tunnel.
    uint64_t next_hop_interface_luid; ///< NET_LUID of the interface (as interface_luid).
    uint32_t sub_interface_index;     ///< Linux ifindex of the interface.
} bpf_sock_addr_network_context_t;
_Static_assert(sizeof(bpf_sock_addr_network_context_t) == 32, "bpf_sock_addr_network_context_t is 32 bytes");

/* What the entry program keeps beside a bpf_sock_addr_t for the helpers (on its stack: the hidden Linux state before
 * the context, this after it). */
enum winbpf_sock_addr_at {
    WINBPF_SOCK_ADDR_AT_CONNECT,
    WINBPF_SOCK_ADDR_AT_CONNECT_AUTHORIZATION,
    WINBPF_SOCK_ADDR_AT_RECV_ACCEPT,
    WINBPF_SOCK_ADDR_AT_BIND,
    WINBPF_SOCK_ADDR_AT_LISTEN,
};
struct winbpf_sock_addr_ctx {
    struct winbpf_hidden hidden;
    bpf_sock_addr_t md;
    __u64 cookie;                /* bpf_get_socket_cookie of the socket */
    __u32 at;                    /* enum winbpf_sock_addr_at */
    __u32 ifindex;               /* interface of interface_luid (0: unknown) */
    __u32 iftype;                /* its IfType (0: unknown) */
    __u32 redirect_context_size; /* bytes bpf_sock_addr_set_redirect_context kept in the scratch's bounce region */
};
_Static_assert(__builtin_offsetof(struct winbpf_sock_addr_ctx, hidden) == 0, "winbpf_context_start fills it there");
#define WINBPF_SOCK_ADDR_CTX(ctx)                                                                                      \
    ((struct winbpf_sock_addr_ctx *)((char *)(ctx) - __builtin_offsetof(struct winbpf_sock_addr_ctx, md)))

/* Most bytes bpf_sock_addr_set_redirect_context keeps for a connection. */
#define WINBPF_REDIRECT_CONTEXT_MAX 128

/* bpf_sock_addr_set_redirect_context(ctx, data, size): at connect only; keeps size bytes (1 to
 * WINBPF_REDIRECT_CONTEXT_MAX) of data for the connection, readable by the local proxy that accepts it
 * (winbpf::redirect_context in winbpf's library). 0, or -1 elsewhere or for a size out of range. */
static __always_inline long winbpf_sock_addr_set_redirect_context(bpf_sock_addr_t *ctx, void *data, uint32_t size)
{
    WINBPF_USES(sock_addr_redirect_context); /* the glue then files the context for winbpf::redirect_context */
    struct winbpf_sock_addr_ctx *w = WINBPF_SOCK_ADDR_CTX(ctx);
    if (w->at != WINBPF_SOCK_ADDR_AT_CONNECT || size == 0 || size > WINBPF_REDIRECT_CONTEXT_MAX || !w->hidden.scratch)
        return -1;
    if (bpf_probe_read_kernel(w->hidden.scratch->bounce, size & (WINBPF_REDIRECT_CONTEXT_MAX * 2 - 1), data))
        return -1;
    w->redirect_context_size = size;
    return 0;
}

/* bpf_sock_addr_get_network_context(ctx, out, size): version 1 at connect_authorization and recv_accept (the
 * interface of interface_luid; unknown fields all ones); -1 at connect and bind, or when size is too small. */
static __always_inline long winbpf_sock_addr_get_network_context(bpf_sock_addr_t *ctx,
                                                                 bpf_sock_addr_network_context_t *out, uint32_t size)
{
    struct winbpf_sock_addr_ctx *w = WINBPF_SOCK_ADDR_CTX(ctx);
    if (size < sizeof(*out) ||
        (w->at != WINBPF_SOCK_ADDR_AT_CONNECT_AUTHORIZATION && w->at != WINBPF_SOCK_ADDR_AT_RECV_ACCEPT))
        return -1;
    out->version = 1;
    out->interface_type = w->iftype ? w->iftype : (uint32_t)-1;
    out->tunnel_type = w->iftype ? 0 : (uint32_t)-1;
    out->next_hop_interface_luid = w->iftype ? ctx->interface_luid : (uint64_t)-1;
    out->sub_interface_index = w->ifindex ? w->ifindex : (uint32_t)-1;
    return 0;
}

/* bpf_get_socket_cookie(ctx) of a Windows context: the socket's cookie (recv_accept: the receiving socket's). */
static __always_inline __u64 winbpf_sock_addr_socket_cookie(bpf_sock_addr_t *ctx)
{
    return WINBPF_SOCK_ADDR_CTX(ctx)->cookie;
}

#define bpf_sock_addr_set_redirect_context(ctx, data, size) winbpf_sock_addr_set_redirect_context((ctx), (data), (size))
#define bpf_sock_addr_get_network_context(ctx, out, size)                                                              \
    winbpf_sock_addr_get_network_context((ctx), (bpf_sock_addr_network_context_t *)(out), (size))
#define bpf_get_socket_cookie(ctx)                                                                                     \
    _Generic((ctx), bpf_sock_addr_t * : winbpf_sock_addr_socket_cookie, default : (bpf_get_socket_cookie))(ctx)

/*
 * The eBPF-for-Windows sockops hook (BPF_PROG_TYPE_SOCK_OPS, docs/hooks/sock_ops.md), on Linux. A SEC("sockops")
 * handler whose parameter is a bpf_sock_ops_t * is a Windows program (one taking Linux's struct bpf_sock_ops * stays a
 * native libbpf program). It attaches to one cgroup-v2 directory (`winbpf add program FILE cgroup=PATH`; default: the
 * cgroup-v2 root) and sees the flows of the sockets its processes create, from the attach on:
 *
 *   TCP  ACTIVE_ESTABLISHED when a connect() completes (the SYN-ACK arrives), PASSIVE_ESTABLISHED when a connection to
 *        a listener completes (its last handshake ACK arrives, before accept()), CONNECTION_DELETED once when the
 *        connection is closed (Linux: sockops ACTIVE/PASSIVE_ESTABLISHED_CB, and the state callback to TCP_CLOSE).
 *   UDP  ACTIVE when a socket sends its first datagram to a remote endpoint, PASSIVE when it receives the first one
 *        from a remote endpoint it has not sent to (Linux: cgroup_skb/egress and ingress), CONNECTION_DELETED for
 *        each of its flows when the socket is released (cgroup/sock_release). One event per flow, not per datagram.
 *   A connection between two sockets of this machine gives both sides' events. DELETED has the same context (tuple,
 *   family, flow id, process) as the flow's ESTABLISHED event. Flows established before the attach give no event.
 *
 * Context (Windows layout, 64 bytes; addresses in network order, ports as the network-order u16 in the low 16 bits):
 *   op              BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB (0), PASSIVE_ESTABLISHED_CB (1), CONNECTION_DELETED_CB (2)
 *                   (Windows' numbers; these names are Windows' in a program that includes this header)
 *   family          AF_INET (2) or AF_INET6 (23); IPv4-mapped flows of dual-stack sockets are AF_INET with *_ip4
 *   local_*, remote_*   this socket's endpoint and its peer's
 *   protocol        IPPROTO_TCP (6) or IPPROTO_UDP (17)
 *   compartment_id  the network namespace: 1 in the initial one, else its cookie
 *   interface_luid  NET_LUID of the interface the flow uses (loopback: IF_TYPE_SOFTWARE_LOOPBACK << 48, another one
 *                   (IfType 6 << 48) | (ifindex << 24)): the device of the flow's route (UDP: of the packet)
 * Helpers: bpf_sock_ops_get_flow_id(ctx) (non-zero, unique per flow, the same at ESTABLISHED and DELETED);
 * bpf_get_current_pid_tgid() and the other identity helpers report the process that created the socket (for an
 * accepted connection, the listener's creator), also when the kernel runs the event outside that process.
 *
 * Return value: 0 lets the flow through; any other value blocks it (ESTABLISHED events; DELETED ignores it). Linux
 * cannot refuse a flow at that point, so winbpf drops every later packet of a blocked flow (cgroup_skb): a blocked
 * UDP datagram's sendto()/send() fails with EPERM, blocked inbound datagrams never reach recv(); a blocked TCP
 * connection's connect() or accept() has already succeeded, and the socket then fails with ETIMEDOUT (winbpf sets
 * TCP_USER_TIMEOUT and keepalive on it: the next send() or a waiting recv() fails within about 2 s). A blocked
 * flow gets no CONNECTION_DELETED.
 */
#define BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB 0
#define BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB 1
#define BPF_SOCK_OPS_CONNECTION_DELETED_CB 2
typedef uint32_t bpf_sock_op_type_t; /* Windows: an enum; its names clash with Linux's, so they are macros here */

typedef struct _bpf_sock_ops {
    bpf_sock_op_type_t op; ///< ACTIVE_ESTABLISHED (0), PASSIVE_ESTABLISHED (1) or CONNECTION_DELETED (2).
    uint32_t family;       ///< AF_INET (2) or AF_INET6 (23).
    union {
        uint32_t local_ip4;
        uint32_t local_ip6[4];
    };
    uint32_t local_port; ///< Network-order port in the low 16 bits.
    union {
        uint32_t remote_ip4;
        uint32_t remote_ip6[4];
    };
    uint32_t remote_port;    ///< Network-order port in the low 16 bits.
    uint8_t protocol;        ///< IPPROTO_TCP or IPPROTO_UDP.
    uint32_t compartment_id; ///< Network namespace (1: the initial one).
    uint64_t interface_luid; ///< NET_LUID (see above).
} bpf_sock_ops_t;
_Static_assert(sizeof(bpf_sock_ops_t) == 64, "bpf_sock_ops_t is 64 bytes");
_Static_assert(__builtin_offsetof(bpf_sock_ops_t, local_port) == 24, "local_port at 24");
_Static_assert(__builtin_offsetof(bpf_sock_ops_t, remote_ip4) == 28, "remote_ip4 at 28");
_Static_assert(__builtin_offsetof(bpf_sock_ops_t, remote_port) == 44, "remote_port at 44");
_Static_assert(__builtin_offsetof(bpf_sock_ops_t, protocol) == 48, "protocol at 48");
_Static_assert(__builtin_offsetof(bpf_sock_ops_t, compartment_id) == 52, "compartment_id at 52");
_Static_assert(__builtin_offsetof(bpf_sock_ops_t, interface_luid) == 56, "interface_luid at 56");

typedef int sock_ops_hook_t(bpf_sock_ops_t *context);

/* What the entry program keeps around a bpf_sock_ops_t for the helpers (on its stack). */
struct winbpf_sock_ops_ctx {
    struct winbpf_hidden hidden;
    bpf_sock_ops_t md;
    __u64 flow_id;
};
_Static_assert(__builtin_offsetof(struct winbpf_sock_ops_ctx, hidden) == 0, "winbpf_context_start fills it there");
#define WINBPF_SOCK_OPS_CTX(ctx)                                                                                       \
    ((struct winbpf_sock_ops_ctx *)((char *)(ctx) - __builtin_offsetof(struct winbpf_sock_ops_ctx, md)))

/* bpf_sock_ops_get_flow_id(ctx): the flow's id (non-zero; the same for its ESTABLISHED and DELETED events). */
static __always_inline uint64_t winbpf_sock_ops_get_flow_id(bpf_sock_ops_t *ctx)
{
    return WINBPF_SOCK_OPS_CTX(ctx)->flow_id;
}
#define bpf_sock_ops_get_flow_id(ctx) winbpf_sock_ops_get_flow_id(ctx)
