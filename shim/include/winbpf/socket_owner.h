/* SPDX-License-Identifier: MIT */
/*
 * What the socket hooks (sock_addr, sockops: docs/hooks/) share: the process that owns a socket and the
 * network namespace it lives in, recorded when the socket is created, for handlers the kernel runs outside that
 * process (an inbound packet's softirq, a TCP connection established or closed by a timer), and the NET_LUID of an
 * interface.
 *
 * Included by the glue header of each socket hook; defined once per object (#pragma once):
 *   winbpf_sock_addr_owners  socket storage (struct winbpf_sock_addr_socket), cloned to the sockets a listener
 *                            accepts (BPF_F_CLONE: an accepted connection's owner is the listener's)
 *   winbpf_init_netns        the initial network namespace's cookie, for programs without bpf_get_netns_cookie(NULL)
 *                            and instead of that helper call once known (winbpf_init_netns_cookie)
 *   winbpf__sock_addr_owner  support program (cgroup/sock_create) that writes both; a hook module enables it when
 *                            one of its handlers reads the owner
 */
#pragma once

#include "ebpf_nethooks.h"
#include "ipifcons.h"

/* Owner of a socket (the process that created it), recorded at cgroup/sock_create into zeroed storage: only the fields
 * the object's code can ask for, each helper that reports one leaving its WINBPF_USES mark (winbpf/general_helpers.h:
 * owner_pid_tgid, owner_logon_id, owner_process_start_key, owner_thread_create_time, owner_is_admin); the others
 * stay 0, as no helper of the object reads them. */
static __always_inline void winbpf_sock_addr_record_owner(struct winbpf_owner *owner)
{
#ifdef WINBPF_USES_owner_pid_tgid
    owner->pid_tgid = winbpf_current_task_pid_tgid();
#endif
#ifdef WINBPF_USES_owner_logon_id
    owner->logon_id = winbpf_current_task_logon_id();
#endif
#ifdef WINBPF_USES_owner_process_start_key
    owner->process_start_key = winbpf_current_task_process_start_key();
#endif
#ifdef WINBPF_USES_owner_thread_create_time
    owner->thread_create_time = winbpf_current_task_thread_create_time();
#endif
#ifdef WINBPF_USES_owner_is_admin
    owner->is_admin = winbpf_current_task_is_admin();
#endif
    owner->valid = 1;
}

/* compartment_id of a network namespace cookie: 1 for the initial namespace (Windows' default compartment), else the
 * cookie. init: the initial namespace's cookie. */
static __always_inline __u32 winbpf_compartment(__u64 cookie, __u64 init)
{
    return cookie == init ? 1 : (__u32)cookie;
}

/* NET_LUID of a Linux interface (docs/hooks/sock_addr.md): Windows' loopback LUID (IfType 24, index 0) for ifindex 1,
 * else (IfType 6 << 48) | (ifindex << 24); 0 for ifindex 0 (unknown). */
static __always_inline __u64 winbpf_net_luid(__u32 ifindex)
{
    if (ifindex == 0)
        return 0;
    return ifindex == 1 ? (__u64)IF_TYPE_SOFTWARE_LOOPBACK << 48
                        : ((__u64)IF_TYPE_ETHERNET_CSMACD << 48) | ((__u64)ifindex << 24);
}

/* WINBPF_MAP_SOCKET_OWNERS (winbpf/abi.h). */
struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
    __type(key, int);
    __type(value, struct winbpf_sock_addr_socket);
} winbpf_sock_addr_owners SEC(".maps");

/* The initial network namespace's cookie: winbpf_init_netns, written by the first program of the object that asks for
 * it with bpf_get_netns_cookie(NULL) (winbpf_init_netns_cookie: the owner program at a socket's creation, a connect
 * or sockops entry) and read by the listen programs, which lack that helper (0 before: a listen's compartment_id is
 * then the raw cookie). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} winbpf_init_netns SEC(".maps");

/* The initial network namespace's cookie, in a program that has bpf_get_netns_cookie(NULL): winbpf_init_netns once
 * written (an inlined array load), else the helper's, then written there. The cookie never changes and is never 0. */
#define winbpf_init_netns_cookie()                                                                                     \
    ({                                                                                                                 \
        __u32 zero_ = 0;                                                                                               \
        __u64 *known_ = bpf_map_lookup_elem(&winbpf_init_netns, &zero_);                                               \
        __u64 init_ = known_ ? *known_ : 0;                                                                            \
        if (init_ == 0) {                                                                                              \
            init_ = bpf_get_netns_cookie(NULL);                                                                        \
            if (known_)                                                                                                \
                *known_ = init_;                                                                                       \
        }                                                                                                              \
        init_;                                                                                                         \
    })

__attribute__((section("cgroup/sock_create"), used)) int winbpf__sock_addr_owner(struct bpf_sock *sk)
{
    struct winbpf_sock_addr_socket *socket =
        bpf_sk_storage_get(&winbpf_sock_addr_owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (socket) {
        winbpf_sock_addr_record_owner(&socket->owner);
        socket->compartment_id = winbpf_compartment(bpf_get_netns_cookie(sk), winbpf_init_netns_cookie());
    } else
        winbpf_count_lost();
    return 1;
}
