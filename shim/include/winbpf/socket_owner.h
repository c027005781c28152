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
 *   winbpf__sock_addr_owner  support program (cgroup/sock_create) that writes both; a hook module enables it when
 *                            one of its handlers reads the owner
 */
#pragma once

#include "ebpf_nethooks.h"
#include "ipifcons.h"

/* What cgroup/sock_create records of a socket for recv_accept, which runs in softirq context: its owner (the process
 * that created it) and its network namespace (cgroup_skb programs get bpf_get_netns_cookie only on recent kernels). */
struct winbpf_sock_addr_socket {
    struct winbpf_owner owner;
    __u32 compartment_id; /* winbpf_compartment of its network namespace */
    __u32 reserved;
};

/* Owner of a socket (the process that created it), recorded at cgroup/sock_create. */
static __always_inline void winbpf_sock_addr_record_owner(struct winbpf_owner *owner)
{
    owner->pid_tgid = winbpf_current_task_pid_tgid();
    owner->logon_id = winbpf_current_task_logon_id();
    owner->process_start_key = winbpf_current_task_process_start_key();
    owner->thread_create_time = winbpf_current_task_thread_create_time();
    owner->is_admin = winbpf_current_task_is_admin();
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

struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
    __type(key, int);
    __type(value, struct winbpf_sock_addr_socket);
} winbpf_sock_addr_owners SEC(".maps");

/* The initial network namespace's cookie where bpf_get_netns_cookie(NULL) is not available (listen programs):
 * winbpf_init_netns, written by the owner program at the first socket created after the attach (0 before: a listen's
 * compartment_id is then the raw cookie). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} winbpf_init_netns SEC(".maps");

__attribute__((section("cgroup/sock_create"), used)) int winbpf__sock_addr_owner(struct bpf_sock *sk)
{
    struct winbpf_sock_addr_socket *socket =
        bpf_sk_storage_get(&winbpf_sock_addr_owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (socket) {
        winbpf_sock_addr_record_owner(&socket->owner);
        __u64 init_cookie = bpf_get_netns_cookie(NULL);
        socket->compartment_id = winbpf_compartment(bpf_get_netns_cookie(sk), init_cookie);
        __u32 zero = 0;
        __u64 *known = bpf_map_lookup_elem(&winbpf_init_netns, &zero);
        if (known && *known != init_cookie)
            *known = init_cookie;
    } else
        winbpf_count_lost();
    return 1;
}
