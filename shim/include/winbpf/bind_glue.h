/* SPDX-License-Identifier: MIT */
/*
 * Glue of the `bind` hook (docs/hooks/bind.md): Linux cgroup programs that build bind_md_t and call a Windows handler.
 *
 *   WINBPF_BIND_OBJECT_GLUE()  once per object: the marks of sockets that completed POST_BIND (a hash keyed by
 *                              socket cookie; socket storage past its size), and one program array per event for
 *                              bpf_tail_call (winbpf_tail_bind_<event>).
 *   WINBPF_BIND_ENTRY(handler) per handler, all attached to one cgroup-v2 directory by the loader:
 *     <handler>__winbpf_bind_bind4       cgroup/bind4         BIND (IPv4); verdict and REDIRECT applied
 *     <handler>__winbpf_bind_bind6       cgroup/bind6         BIND (IPv6)
 *     <handler>__winbpf_bind_post_bind4  cgroup/post_bind4    POST_BIND with the chosen port; marks the socket
 *     <handler>__winbpf_bind_post_bind6  cgroup/post_bind6
 *     <handler>__winbpf_bind_unbind      cgroup/sock_release  UNBIND of a marked socket (return ignored)
 *   cgroup programs return 1 to allow and 0 to make the syscall fail with EPERM.
 */
#pragma once

#include "winbpf/license.h"

WINBPF_REQUIRE_GPL("bind", "bpf_get_current_task_btf and bpf_probe_read_kernel for process_id and app_id");

#include "ebpf_nethooks.h"
#include "winbpf/task_strings.h"

#define WINBPF_APP_ID_NAME_MAX 255    /* NAME_MAX: longest executable file name, bytes of UTF-8 */
#define WINBPF_APP_ID_IN 256          /* text offset the UTF-8 name is read to; UTF-16LE is built in place before it */
#define WINBPF_BIND_SOCKETS_MAX 16384 /* sockets marked in the hash at once; more go to socket storage */

/*
 * What a socket that completed POST_BIND carries until it is released: who bound it, and where (sock_release
 * programs may not read the socket's address, so UNBIND gives the one POST_BIND saw; the last close may happen in
 * another process or after the binder's exit, when it has no executable any more).
 *
 * Marks live in winbpf_bind_sockets, a hash keyed by socket cookie (bpf_get_socket_cookie) allocated on demand, and
 * are deleted at UNBIND. Past WINBPF_BIND_SOCKETS_MAX sockets bound at once the mark goes to socket storage
 * (winbpf_bind_sockets_overflow, freed with the socket): exact and unbounded, but creating socket storage costs
 * about 0.75 us per socket here (the kernel allocates it with memory-cgroup accounting) against about 0.3 us for
 * the hash entry.
 */
struct winbpf_bind_socket {
    __u32 tgid;           /* process_id of the binder; 0: not bound */
    __u32 name_len;       /* bytes of name */
    __u8 sockaddr[28];    /* socket_address (16 bytes) or the whole SOCKADDR_IN6 (28) */
    __u8 sockaddr_length; /* 16 or 28 */
    __u8 reserved[3];
    char name[WINBPF_APP_ID_NAME_MAX + 1]; /* UTF-8 executable file name */
};

/* bind_md_t on the entry program's stack, with the hidden Linux state before it and the full SOCKADDR_IN6 after. */
struct winbpf_bind_ctx {
    struct winbpf_hidden hidden;
    bind_md_t md;
    __u8 sockaddr_in6[28]; /* WINBPF_BIND_SOCKADDR_IN6 */
};
_Static_assert(__builtin_offsetof(struct winbpf_bind_ctx, sockaddr_in6) ==
                   __builtin_offsetof(struct winbpf_bind_ctx, md) + sizeof(bind_md_t),
               "WINBPF_BIND_SOCKADDR_IN6 must follow bind_md_t");

/* Reads the UTF-8 file name of task's executable (at most WINBPF_APP_ID_NAME_MAX bytes) to dst; its length, 0 when
 * the task has no executable (kernel threads, a process past exit_mm). */
static __always_inline __u32 winbpf_bind_exe_name_to(void *dst, struct task_struct *task)
{
    struct file *exe = winbpf_task_exe(task);
    if (!exe)
        return 0;
    struct dentry *dentry = exe->f_path.dentry;
    __u32 len = dentry->d_name.len;
    const unsigned char *name = dentry->d_name.name;
    if (len > WINBPF_APP_ID_NAME_MAX)
        len = WINBPF_APP_ID_NAME_MAX;
    if (len == 0 || bpf_probe_read_kernel(dst, len, name))
        return 0;
    return len;
}

/* Reads the UTF-8 file name of task's executable into s->text[WINBPF_APP_ID_IN..]; its length (0: none). */
static __always_inline __u32 winbpf_bind_exe_name(struct winbpf_scratch *s, struct task_struct *task)
{
    return winbpf_bind_exe_name_to(s->text + WINBPF_APP_ID_IN, task);
}

/* Turns the len UTF-8 bytes at s->text[WINBPF_APP_ID_IN] into app_id: UTF-16LE plus a NUL unit. */
static __always_inline void winbpf_bind_set_app_id(struct winbpf_bind_ctx *w, struct winbpf_scratch *s, __u32 len)
{
    if (len == 0) {
        w->md.app_id_start = w->md.app_id_end = s->text;
        return;
    }
    __u32 n = winbpf_utf16_text_short(s, WINBPF_APP_ID_IN, len & WINBPF_APP_ID_NAME_MAX);
    __u32 start = s->loop.text_start & (WINBPF_TEXT_REGION - 1);
    __u32 end = (start + n) & (WINBPF_TEXT_REGION - 1);
    *(__u16 *)(s->text + end) = 0;
    w->md.app_id_start = s->text + start;
    w->md.app_id_end = s->text + start + ((n + 2) & (2 * WINBPF_APP_ID_IN - 1));
}

/* Common fields; returns the scratch, or NULL (event skipped and counted as lost) when it is missing. */
static __always_inline struct winbpf_scratch *winbpf_bind_prepare(struct winbpf_bind_ctx *w, void *linux_ctx,
                                                                  void *tail_calls, bind_operation_t operation,
                                                                  __u32 protocol)
{
    struct winbpf_scratch *s = winbpf_context_start(w, sizeof(*w), linux_ctx, tail_calls);
    if (!s)
        return NULL;
    w->md.operation = operation;
    w->md.protocol = protocol;
    return s;
}

/* socket_address (and the full SOCKADDR_IN6) from Linux's address words (network order) and port (network order). */
static __always_inline void winbpf_bind_set_address(struct winbpf_bind_ctx *w, __u32 family, const __u32 *ip,
                                                    __u16 port_be)
{
    if (family == WINBPF_LINUX_AF_INET6) {
        *(__u16 *)&w->sockaddr_in6[0] = WINBPF_AF_INET6;
        *(__u16 *)&w->sockaddr_in6[2] = port_be;
        __builtin_memcpy(&w->sockaddr_in6[8], ip, 16);
        __builtin_memcpy(w->md.socket_address, w->sockaddr_in6, 16);
        w->md.socket_address_length = 28;
    } else {
        *(__u16 *)&w->md.socket_address[0] = WINBPF_AF_INET;
        *(__u16 *)&w->md.socket_address[2] = port_be;
        *(__u32 *)&w->md.socket_address[4] = ip[0];
        w->md.socket_address_length = 16;
    }
}

/* The address words (network order) of a Linux context: ip4 for AF_INET, the four ip6 words for AF_INET6. */
#define WINBPF_BIND_READ_IP(ip, ctx, family, ip4, ip6)                                                                 \
    do {                                                                                                               \
        (ip)[1] = (ip)[2] = (ip)[3] = 0;                                                                               \
        if ((family) == WINBPF_LINUX_AF_INET6) {                                                                       \
            (ip)[0] = (ctx)->ip6[0];                                                                                   \
            (ip)[1] = (ctx)->ip6[1];                                                                                   \
            (ip)[2] = (ctx)->ip6[2];                                                                                   \
            (ip)[3] = (ctx)->ip6[3];                                                                                   \
        } else {                                                                                                       \
            (ip)[0] = (ctx)->ip4;                                                                                      \
        }                                                                                                              \
    } while (0)

/* What a handler's action means on Linux: permit (1) or fail the bind with EPERM (0; DENY and unknown values). */
static __always_inline int winbpf_bind_allows(bind_action_t action)
{
    return action == BIND_PERMIT_SOFT || action == BIND_PERMIT_HARD || action == BIND_REDIRECT;
}

/* BIND: runs the handler on a bpf_sock_addr and applies its verdict. */
#define WINBPF_BIND_AT_BIND(handler, ctx, family, tail_calls)                                                          \
    ({                                                                                                                 \
        struct winbpf_bind_ctx w;                                                                                      \
        int verdict = 1;                                                                                               \
        struct winbpf_scratch *s = winbpf_bind_prepare(&w, ctx, tail_calls, BIND_OPERATION_BIND, ctx->protocol);       \
        if (s) {                                                                                                       \
            __u32 ip[4];                                                                                               \
            WINBPF_BIND_READ_IP(ip, ctx, family, user_ip4, user_ip6);                                                  \
            w.md.process_id = (bpf_get_current_pid_tgid)() >> 32;                                                      \
            winbpf_bind_set_address(&w, family, ip, (__u16)ctx->user_port);                                            \
            winbpf_bind_set_app_id(&w, s, winbpf_bind_exe_name(s, w.hidden.task));                                     \
            bind_action_t action = handler(&w.md);                                                                     \
            if (action == BIND_REDIRECT) {                                                                             \
                ctx->user_port = *(__u16 *)&w.md.socket_address[2];                                                    \
                if (family == WINBPF_LINUX_AF_INET6) {                                                                 \
                    ctx->user_ip6[0] = *(__u32 *)&w.sockaddr_in6[8];                                                   \
                    ctx->user_ip6[1] = *(__u32 *)&w.sockaddr_in6[12];                                                  \
                    ctx->user_ip6[2] = *(__u32 *)&w.sockaddr_in6[16];                                                  \
                    ctx->user_ip6[3] = *(__u32 *)&w.sockaddr_in6[20];                                                  \
                } else {                                                                                               \
                    ctx->user_ip4 = *(__u32 *)&w.md.socket_address[4];                                                 \
                }                                                                                                      \
            }                                                                                                          \
            verdict = winbpf_bind_allows(action);                                                                      \
        }                                                                                                              \
        verdict;                                                                                                       \
    })

/*
 * Marks a socket that completed POST_BIND for its UNBIND (binder tgid, socket address of w, executable name read
 * again: the handler may have used the scratch). Built in the scratch's bounce region, which the handler has
 * finished with. A mark that fits neither the hash nor socket storage costs the socket its UNBIND and is counted as
 * lost.
 */
static __always_inline void winbpf_bind_mark(struct bpf_sock *sk, struct winbpf_scratch *s, struct winbpf_bind_ctx *w,
                                             __u32 tgid, void *sockets, void *overflow)
{
    struct winbpf_bind_socket *mark = (struct winbpf_bind_socket *)s->bounce;
    mark->tgid = tgid;
    __builtin_memcpy(mark->sockaddr, w->md.socket_address, 16);
    __builtin_memcpy(mark->sockaddr + 16, w->sockaddr_in6 + 16, 12); /* IPv6: the rest of SOCKADDR_IN6 */
    mark->sockaddr_length = w->md.socket_address_length;
    mark->name_len = winbpf_bind_exe_name_to(mark->name, w->hidden.task);
    __u64 cookie = bpf_get_socket_cookie(sk);
    if (bpf_map_update_elem(sockets, &cookie, mark, BPF_ANY) == 0)
        return;
    struct winbpf_bind_socket *stored = bpf_sk_storage_get(overflow, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (stored)
        __builtin_memcpy(stored, mark, sizeof(*mark));
    else
        winbpf_count_lost();
}

/* POST_BIND: runs the handler on a bpf_sock; on permit, marks the socket for its UNBIND (after the handler: a tail
 * call to another handler's entry leaves the marking to the entry that returns). */
#define WINBPF_BIND_AT_POST_BIND(handler, ctx, family, tail_calls)                                                     \
    ({                                                                                                                 \
        struct winbpf_bind_ctx w;                                                                                      \
        int verdict = 1;                                                                                               \
        struct winbpf_scratch *s = winbpf_bind_prepare(&w, ctx, tail_calls, BIND_OPERATION_POST_BIND, ctx->protocol);  \
        if (s) {                                                                                                       \
            __u32 ip[4];                                                                                               \
            WINBPF_BIND_READ_IP(ip, ctx, family, src_ip4, src_ip6);                                                    \
            __u32 tgid = (bpf_get_current_pid_tgid)() >> 32;                                                           \
            w.md.process_id = tgid;                                                                                    \
            winbpf_bind_set_address(&w, family, ip, bpf_htons((__u16)ctx->src_port));                                  \
            winbpf_bind_set_app_id(&w, s, winbpf_bind_exe_name(s, w.hidden.task));                                     \
            bind_action_t action = handler(&w.md);                                                                     \
            verdict = winbpf_bind_allows(action);                                                                      \
            if (verdict)                                                                                               \
                winbpf_bind_mark(ctx, s, &w, tgid, &winbpf_bind_sockets, &winbpf_bind_sockets_overflow);               \
        }                                                                                                              \
        verdict;                                                                                                       \
    })

/* The program array of one event for bpf_tail_call (WINBPF_TAIL_MAP_PREFIX "bind_<event>", winbpf/abi.h). */
#define WINBPF_BIND_TAIL_MAP(event)                                                                                    \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_PROG_ARRAY);                                                                         \
        __uint(max_entries, WINBPF_TAIL_SLOTS);                                                                        \
        __type(key, __u32);                                                                                            \
        __type(value, __u32);                                                                                          \
    } winbpf_tail_bind_##event SEC(".maps");

#define WINBPF_BIND_OBJECT_GLUE()                                                                                      \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_HASH);                                                                               \
        __uint(map_flags, BPF_F_NO_PREALLOC);                                                                          \
        __uint(max_entries, WINBPF_BIND_SOCKETS_MAX);                                                                  \
        __type(key, __u64);                                                                                            \
        __type(value, struct winbpf_bind_socket);                                                                      \
    } winbpf_bind_sockets SEC(".maps");                                                                                \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_SK_STORAGE);                                                                         \
        __uint(map_flags, BPF_F_NO_PREALLOC);                                                                          \
        __type(key, int);                                                                                              \
        __type(value, struct winbpf_bind_socket);                                                                      \
    } winbpf_bind_sockets_overflow SEC(".maps");                                                                       \
    WINBPF_BIND_TAIL_MAP(bind4)                                                                                        \
    WINBPF_BIND_TAIL_MAP(bind6)                                                                                        \
    WINBPF_BIND_TAIL_MAP(post_bind4)                                                                                   \
    WINBPF_BIND_TAIL_MAP(post_bind6)                                                                                   \
    WINBPF_BIND_TAIL_MAP(unbind)

#define WINBPF_BIND_ENTRY(handler)                                                                                     \
    __attribute__((section("cgroup/bind4"), used)) int handler##__winbpf_bind_bind4(struct bpf_sock_addr *ctx)         \
    {                                                                                                                  \
        return WINBPF_BIND_AT_BIND(handler, ctx, WINBPF_LINUX_AF_INET, &winbpf_tail_bind_bind4);                       \
    }                                                                                                                  \
    __attribute__((section("cgroup/bind6"), used)) int handler##__winbpf_bind_bind6(struct bpf_sock_addr *ctx)         \
    {                                                                                                                  \
        return WINBPF_BIND_AT_BIND(handler, ctx, WINBPF_LINUX_AF_INET6, &winbpf_tail_bind_bind6);                      \
    }                                                                                                                  \
    __attribute__((section("cgroup/post_bind4"), used)) int handler##__winbpf_bind_post_bind4(struct bpf_sock *ctx)    \
    {                                                                                                                  \
        return WINBPF_BIND_AT_POST_BIND(handler, ctx, WINBPF_LINUX_AF_INET, &winbpf_tail_bind_post_bind4);             \
    }                                                                                                                  \
    __attribute__((section("cgroup/post_bind6"), used)) int handler##__winbpf_bind_post_bind6(struct bpf_sock *ctx)    \
    {                                                                                                                  \
        return WINBPF_BIND_AT_POST_BIND(handler, ctx, WINBPF_LINUX_AF_INET6, &winbpf_tail_bind_post_bind6);            \
    }                                                                                                                  \
    __attribute__((section("cgroup/sock_release"), used)) int handler##__winbpf_bind_unbind(struct bpf_sock *ctx)      \
    {                                                                                                                  \
        __u64 cookie = bpf_get_socket_cookie(ctx);                                                                     \
        struct winbpf_bind_socket *mark = bpf_map_lookup_elem(&winbpf_bind_sockets, &cookie);                          \
        int in_hash = mark != 0;                                                                                       \
        if (!mark)                                                                                                     \
            mark = bpf_sk_storage_get(&winbpf_bind_sockets_overflow, ctx, 0, 0);                                       \
        if (!mark || mark->tgid == 0)                                                                                  \
            return 1;                                                                                                  \
        struct winbpf_bind_ctx w;                                                                                      \
        struct winbpf_scratch *s =                                                                                     \
            winbpf_bind_prepare(&w, ctx, &winbpf_tail_bind_unbind, BIND_OPERATION_UNBIND, ctx->protocol);              \
        if (!s)                                                                                                        \
            return 1;                                                                                                  \
        w.md.process_id = mark->tgid;                                                                                  \
        __builtin_memcpy(w.md.socket_address, mark->sockaddr, 16);                                                     \
        __builtin_memcpy(w.sockaddr_in6, mark->sockaddr, 28);                                                          \
        w.md.socket_address_length = mark->sockaddr_length;                                                            \
        __u32 len = mark->name_len & WINBPF_APP_ID_NAME_MAX;                                                           \
        if (len && bpf_probe_read_kernel(s->text + WINBPF_APP_ID_IN, len, mark->name))                                 \
            len = 0;                                                                                                   \
        winbpf_bind_set_app_id(&w, s, len);                                                                            \
        handler(&w.md);                                                                                                \
        /* After the handler: another handler's entry it tail-calls finds the mark too, and the one that returns       \
         * removes it (socket storage goes with the socket). */                                                        \
        if (in_hash)                                                                                                   \
            bpf_map_delete_elem(&winbpf_bind_sockets, &cookie);                                                        \
        return 1;                                                                                                      \
    }
