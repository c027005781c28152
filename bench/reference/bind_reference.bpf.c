// SPDX-License-Identifier: GPL-2.0
// bind_reference: what a hand-written libbpf tool pays to do bind_monitor's work, the reference for bind_monitor in
// winbpf_bench bind. IPv4 (the bench binds 127.0.0.1): cgroup/bind4 checks the process's bound-socket count against
// a limit (over it: EPERM) and reports the bind; cgroup/post_bind4 counts the socket for its process (a hash entry
// per process, created at the first socket), remembers the binder by socket cookie for the release and reports the
// port chosen; cgroup/sock_release of a socket that was bound uncounts it (the entry goes at 0) and reports it. Every
// report is one ring buffer record with the executable's file name, wake-ups batched as winbpf batches them.
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bind_reference.h"
#include "reference.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define RING_SIZE (16 * 1024 * 1024) /* bind_monitor's */

_Static_assert(BIND_REFERENCE_HEADER_SIZE == 56, "bind_monitor's fixed part is 56 bytes");

struct process {
    __u32 count;
    __u32 name_size;
    __u8 name[64];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u64);
    __type(value, struct process);
    __uint(max_entries, 16384);
} processes SEC(".maps");

/* What the release reports and cannot read any more (sock_release sees no address), by socket cookie. */
struct binder {
    __u64 tgid;
    __u32 ip;
    __u16 port;
    __u16 protocol;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u64);
    __type(value, struct binder);
    __uint(max_entries, 16384);
} sockets SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, RING_SIZE);
} events SEC(".maps");

struct scratch {
    struct bind_reference_event event;
    __u64 unchecked; /* bytes written on this CPU since the last fill check */
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch SEC(".maps");

/* Bound sockets a process may hold (0: no limit); set before attaching. */
const volatile __u32 limit = 0;

/* Fills e's name with the current executable's file name; its size. */
static __always_inline __u32 exe_name(struct bind_reference_event *e)
{
    struct task_struct *task = bpf_get_current_task_btf();
    struct mm_struct *mm = task->mm;
    if (!mm)
        return 0;
    struct file *exe = mm->exe_file;
    if (!exe)
        return 0;
    struct dentry *dentry = exe->f_path.dentry;
    __u32 len = dentry->d_name.len;
    if (len > BIND_REFERENCE_NAME_MAX)
        len = BIND_REFERENCE_NAME_MAX;
    if (len == 0 || bpf_probe_read_kernel(e->name, len, dentry->d_name.name))
        return 0;
    return len;
}

/* Writes one record of s->event, whose name (name_size bytes) is already there. */
static __always_inline void emit(struct scratch *s, __u8 operation, __u64 tgid, __u32 ip, __u16 port, __u16 protocol,
                                 __u32 count, __u8 denied)
{
    struct bind_reference_event *e = &s->event;
    e->timestamp_ns = bpf_ktime_get_boot_ns();
    e->process_id = tgid;
    e->address[0] = ip;
    e->port = port;
    e->operation = operation;
    e->denied = denied;
    e->bind_count = count;
    e->protocol = protocol;
    __u32 n = e->name_size;
    __u64 size = BIND_REFERENCE_HEADER_SIZE + (n & BIND_REFERENCE_NAME_MAX);
    reference_output(&events, RING_SIZE, e, size, &s->unchecked);
}

static __always_inline struct scratch *get_scratch(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&scratch, &zero);
}

SEC("cgroup/bind4")
int bind_reference_bind4(struct bpf_sock_addr *ctx)
{
    struct scratch *s = get_scratch();
    if (!s)
        return 1;
    __u64 tgid = bpf_get_current_pid_tgid() >> 32;
    s->event.name_size = exe_name(&s->event);
    struct process *p = bpf_map_lookup_elem(&processes, &tgid);
    __u32 count = p ? p->count : 0;
    __u8 denied = limit != 0 && count >= limit;
    emit(s, BIND_REFERENCE_BIND, tgid, ctx->user_ip4, bpf_ntohs((__u16)ctx->user_port), ctx->protocol, count, denied);
    return denied ? 0 : 1;
}

SEC("cgroup/post_bind4")
int bind_reference_post_bind4(struct bpf_sock *sk)
{
    struct scratch *s = get_scratch();
    if (!s)
        return 1;
    __u64 tgid = bpf_get_current_pid_tgid() >> 32;
    s->event.name_size = exe_name(&s->event);
    struct process *p = bpf_map_lookup_elem(&processes, &tgid);
    if (!p) {
        struct process fresh = {};
        fresh.name_size = s->event.name_size < sizeof(fresh.name) ? s->event.name_size : sizeof(fresh.name);
        __builtin_memcpy(fresh.name, s->event.name, sizeof(fresh.name));
        bpf_map_update_elem(&processes, &tgid, &fresh, BPF_NOEXIST);
        p = bpf_map_lookup_elem(&processes, &tgid);
    }
    __u32 count = 0;
    if (p)
        count = __sync_add_and_fetch(&p->count, 1);
    struct binder binder = {.tgid = tgid, .ip = sk->src_ip4, .port = (__u16)sk->src_port, .protocol = sk->protocol};
    __u64 cookie = bpf_get_socket_cookie(sk);
    bpf_map_update_elem(&sockets, &cookie, &binder, BPF_ANY);
    emit(s, BIND_REFERENCE_POST_BIND, tgid, binder.ip, binder.port, binder.protocol, count, 0);
    return 1;
}

SEC("cgroup/sock_release")
int bind_reference_release(struct bpf_sock *sk)
{
    __u64 cookie = bpf_get_socket_cookie(sk);
    struct binder *found = bpf_map_lookup_elem(&sockets, &cookie);
    if (!found)
        return 1; /* never bound */
    struct binder binder = *found;
    bpf_map_delete_elem(&sockets, &cookie);
    __u64 tgid = binder.tgid;
    struct scratch *s = get_scratch();
    if (!s)
        return 1;
    s->event.name_size = exe_name(&s->event); /* the releaser's: the binder's is in its process entry */
    __u32 count = 0;
    struct process *p = bpf_map_lookup_elem(&processes, &tgid);
    if (p) {
        count = __sync_sub_and_fetch(&p->count, 1);
        if (count == 0)
            bpf_map_delete_elem(&processes, &tgid);
    }
    emit(s, BIND_REFERENCE_UNBIND, tgid, binder.ip, binder.port, binder.protocol, count, 0);
    return 1;
}
