// SPDX-License-Identifier: GPL-2.0
// connect_reference: the work of winbpf_bench connect's Windows-style program (bench/connect/connect_audit.c) written
// directly as a plain libbpf program (bench/README.md): the process that created each socket, kept in socket storage
// at cgroup/sock_create (cloned to the sockets a listener accepts), for the inbound side, which the kernel runs in
// softirq; a native cgroup/connect4 writing the outbound audit entry (the calling process, its audit session id and
// admin state, both endpoints, the socket cookie); and cgroup_skb/ingress, the Linux hook winbpf's recv_accept4 maps
// to, writing the inbound entry at the SYN of each connection to a listening socket. Every connection proceeds.
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "connect_reference.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define IPPROTO_TCP_ 6
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10
#define CAP_SYS_ADMIN_ 21

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u64);
    __type(value, struct connect_audit_entry);
    __uint(max_entries, CONNECT_AUDIT_MAX);
} audit_map SEC(".maps");

/* Who created a socket: what the inbound entry reports. */
struct owner {
    __u64 pid_tgid;
    __u64 logon_id;
    __u32 is_admin;
    __u32 reserved;
};

struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
    __type(key, int);
    __type(value, struct owner);
} owners SEC(".maps");

/* Audit entries that could not be written (read by the tool as skel->bss->lost). */
__u64 lost = 0;

static __always_inline void current_owner(struct owner *owner)
{
    struct task_struct *task = bpf_get_current_task_btf();
    owner->pid_tgid = bpf_get_current_pid_tgid();
    __u32 session = BPF_CORE_READ(task, sessionid);
    owner->logon_id = session == (__u32)-1 ? 0 : session;
    const struct cred *cred = BPF_CORE_READ(task, cred);
    owner->is_admin =
        BPF_CORE_READ(cred, euid.val) == 0 || ((BPF_CORE_READ(cred, cap_effective.val) >> CAP_SYS_ADMIN_) & 1);
}

static __always_inline void write_entry(__u64 key, struct connect_audit_entry *entry)
{
    if (bpf_map_update_elem(&audit_map, &key, entry, BPF_ANY))
        __sync_fetch_and_add(&lost, 1);
}

SEC("cgroup/sock_create")
int connect_reference_owner(struct bpf_sock *sk)
{
    struct owner *owner = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (owner)
        current_owner(owner);
    else
        __sync_fetch_and_add(&lost, 1);
    return 1;
}

SEC("cgroup/connect4")
int connect_reference_connect4(struct bpf_sock_addr *ctx)
{
    struct owner caller;
    current_owner(&caller);
    struct connect_audit_entry entry = {
        .pid_tgid = caller.pid_tgid,
        .logon_id = caller.logon_id,
        .is_admin = caller.is_admin,
        .cookie = bpf_get_socket_cookie(ctx),
        .remote_ip4 = ctx->user_ip4,
        .remote_port = (__u16)ctx->user_port,
        .protocol = ctx->protocol,
        .direction = CONNECT_AUDIT_OUTBOUND,
    };
    struct bpf_sock *sk = ctx->sk;
    if (sk) {
        entry.local_ip4 = sk->src_ip4;
        entry.local_port = bpf_htons((__u16)sk->src_port);
    }
    write_entry(entry.cookie, &entry);
    return 1;
}

SEC("cgroup_skb/ingress")
int connect_reference_ingress(struct __sk_buff *skb)
{
    struct bpf_sock *sk = skb->sk;
    if (!sk || sk->state != BPF_TCP_LISTEN || skb->protocol != bpf_htons(ETH_P_IP))
        return 1;
    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != IPPROTO_TCP_ || (ip.frag_off & bpf_htons(0x1fff)))
        return 1;
    __u8 tcp[14];
    if (bpf_skb_load_bytes(skb, ((__u32)ip.ihl * 4) & 0x3f, tcp, sizeof(tcp)) ||
        (tcp[13] & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
        return 1;
    struct connect_audit_entry entry = {
        .cookie = bpf_get_socket_cookie(skb),
        .local_ip4 = ip.daddr,
        .remote_ip4 = ip.saddr,
        .local_port = *(__u16 *)&tcp[2],
        .remote_port = *(__u16 *)&tcp[0],
        .protocol = IPPROTO_TCP_,
        .direction = CONNECT_AUDIT_INBOUND,
    };
    struct bpf_sock *full = bpf_sk_fullsock(sk);
    struct owner *owner = full ? bpf_sk_storage_get(&owners, full, 0, 0) : NULL;
    if (owner) {
        entry.pid_tgid = owner->pid_tgid;
        entry.logon_id = owner->logon_id;
        entry.is_admin = owner->is_admin;
    }
    write_entry((1ull << 63) | ((__u64)ip.saddr << 16) | entry.remote_port, &entry);
    return 1;
}
