/* SPDX-License-Identifier: MIT */
/*
 * The eBPF-for-Windows `bind` hook (netebpfext, CONTRACT §4), on Linux.
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
    return winbpf_tail_call_hidden(ctx, index);
}
