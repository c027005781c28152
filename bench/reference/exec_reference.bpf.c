// SPDX-License-Identifier: GPL-2.0
// exec_reference: what a hand-written libbpf tool pays to report each process CREATE and DELETE with process_monitor's
// strings, the reference for process_monitor in winbpf_bench exec. The same work as winbpf's process glue plus
// bpf/process_monitor.c, written directly against the Linux tracepoints and in UTF-8 (no Windows context, no UTF-16):
// - tp_btf/sched_process_fork remembers who forked each new process (a direct-mapped array, as the glue does);
// - tp_btf/sched_process_exec (CREATE): identities, start time, effective uid, the UTS host name, the image path (the
//   dentry walk of mm->exe_file across mounts, as readlink /proc/PID/exe reads it) and argv (mm->arg_start..arg_end,
//   up to 32 KiB), one ring buffer record;
// - tp_btf/sched_process_exit of the last thread (group_dead) (DELETE): the exit code and time, and the strings again
//   only when the process's CREATE was not written (a direct-mapped array of the processes reported, as
//   process_monitor keeps).
// The account name of the uid is the reader's (passwd), as winbpf's loader loads it into a map.
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "exec_reference.h"
#include "reference.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define RING_SIZE (16 * 1024 * 1024) /* process_monitor's */
#define SLOTS 65536                  /* of forks and of reported processes (process_monitor's) */
#define PATH_REGION 8192             /* the path is prepended right to left below its end */
#define PATH_STEPS 4096              /* dentries and mount crossings one walk visits at most */
#define PF_FORKNOEXEC 0x00000040

_Static_assert(sizeof(struct exec_reference_event) == 56, "a 56-byte fixed part");

extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id) __ksym;
/* A kernel pointer held as an integer, as a read-only typed view (direct loads instead of a helper call per field). */
#define CAST(type, pointer) ((type *)bpf_rdonly_cast((void *)(pointer), bpf_core_type_id_kernel(type)))

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, RING_SIZE);
} events SEC(".maps");

struct origin {
    __u64 start_ns;
    __u32 pid;
    __u32 creating_pid;
    __u32 creating_tid;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SLOTS);
    __type(key, __u32);
    __type(value, struct origin);
} forks SEC(".maps");

struct reported {
    __u64 start_ns;
    __u64 pid;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SLOTS);
    __type(key, __u32);
    __type(value, struct reported);
} reported SEC(".maps");

/* A record being assembled (fixed part, host name, image path, argv), and the path being built. Too large for a
 * per-CPU value (32 KiB at most): an array with one entry per CPU (max_entries set by the reader), keyed by CPU. */
#define RECORD_MAX                                                                                                     \
    (sizeof(struct exec_reference_event) + EXEC_REFERENCE_DOMAIN_MAX + EXEC_REFERENCE_PATH_MAX +                       \
     EXEC_REFERENCE_COMMAND_MAX)
struct scratch {
    __u8 record[RECORD_MAX + 8];
    __u8 path[PATH_REGION + 256];
    /* the walk's state */
    __u64 dentry;
    __u64 mnt;
    __u32 pos;
    __u32 status;
    __u64 unchecked; /* bytes written on this CPU since the last fill check (reference_output) */
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1); /* set to the number of possible CPUs before loading */
    __type(key, __u32);
    __type(value, struct scratch);
} scratch SEC(".maps");

#define WALK_AT_ROOT 0
#define WALK_CUT 1
#define WALK_ESCAPED 2

/* One step up the path: a dentry's name prepended below s->pos, or one mount crossing (fs/d_path.c). */
struct loop_context {
    struct scratch *s;
};

static long path_step(__u64 index, void *context)
{
    struct scratch *s = ((struct loop_context *)context)->s;
    struct dentry *dentry = CAST(struct dentry, s->dentry);
    struct vfsmount *vfsmnt = CAST(struct vfsmount, s->mnt);
    struct dentry *parent = dentry->d_parent;
    if (s->dentry == (__u64)vfsmnt->mnt_root) {
        struct mount *mnt = CAST(struct mount, s->mnt - bpf_core_field_offset(struct mount, mnt));
        struct mount *up = mnt->mnt_parent;
        if (!up || (__u64)up == s->mnt - bpf_core_field_offset(struct mount, mnt)) {
            s->status = WALK_AT_ROOT;
            return 1;
        }
        s->dentry = (__u64)mnt->mnt_mountpoint;
        s->mnt = (__u64)up + bpf_core_field_offset(struct mount, mnt);
        return 0;
    }
    if (s->dentry == (__u64)parent) {
        s->status = WALK_ESCAPED;
        return 1;
    }
    __u64 len = dentry->d_name.len;
    if (len > 255)
        len = 255;
    __u32 pos = s->pos;
    if (len + 1 > pos - (PATH_REGION - EXEC_REFERENCE_PATH_MAX)) {
        s->status = WALK_CUT;
        return 1;
    }
    pos -= len;
    bpf_probe_read_kernel(s->path + (pos & (PATH_REGION - 1)), len, dentry->d_name.name);
    pos -= 1;
    s->path[pos & (PATH_REGION - 1)] = '/';
    s->pos = pos;
    s->dentry = (__u64)parent;
    return 0;
}

/* The image path of exe into s->path[start..PATH_REGION), start returned through s->pos; its length (0: none). */
static __always_inline __u32 image_path(struct scratch *s, struct file *exe)
{
    if (!exe)
        return 0;
    s->dentry = (__u64)exe->f_path.dentry;
    s->mnt = (__u64)exe->f_path.mnt;
    s->pos = PATH_REGION;
    s->status = WALK_CUT;
    struct loop_context context = {.s = s};
    bpf_loop(PATH_STEPS, path_step, &context, 0);
    __u32 pos = s->pos;
    if (s->status == WALK_ESCAPED)
        pos = PATH_REGION;
    if (pos < PATH_REGION - EXEC_REFERENCE_PATH_MAX || pos > PATH_REGION)
        return 0;
    if (s->status == WALK_CUT) {
        pos = pos < PATH_REGION - EXEC_REFERENCE_PATH_MAX + 3 ? PATH_REGION - EXEC_REFERENCE_PATH_MAX : pos - 3;
        s->path[pos & (PATH_REGION - 1)] = '.';
        s->path[(pos + 1) & (PATH_REGION - 1)] = '.';
        s->path[(pos + 2) & (PATH_REGION - 1)] = '.';
    } else if (pos == PATH_REGION) {
        pos -= 1;
        s->path[pos & (PATH_REGION - 1)] = '/';
    }
    s->pos = pos;
    return PATH_REGION - pos;
}

/* Writes the record for task: CREATE (strings always), or DELETE (strings unless the CREATE was written). */
static __always_inline void report(struct task_struct *task, __u8 operation)
{
    __u32 cpu = bpf_get_smp_processor_id();
    struct scratch *s = bpf_map_lookup_elem(&scratch, &cpu);
    if (!s)
        return;
    struct exec_reference_event *e = (struct exec_reference_event *)s->record;
    __u32 pid = task->tgid;
    __u64 start = task->group_leader->start_boottime;
    __u32 slot = pid % SLOTS;
    struct reported *known = bpf_map_lookup_elem(&reported, &slot);
    int with_strings = 1;
    if (operation == EXEC_REFERENCE_DELETE && known)
        with_strings = known->pid != pid || known->start_ns != start;

    struct task_struct *parent = task->real_parent;
    __u32 creating_pid = parent->tgid, creating_tid = parent->pid;
    struct origin *origin = bpf_map_lookup_elem(&forks, &slot);
    if (origin && origin->pid == pid && origin->start_ns == start) {
        creating_pid = origin->creating_pid;
        creating_tid = origin->creating_tid;
    }
    e->timestamp_ns = bpf_ktime_get_boot_ns();
    e->start_ns = start;
    e->pid = pid;
    e->parent_pid = parent->tgid;
    e->creating_pid = creating_pid;
    e->creating_tid = creating_tid;
    __u32 code = task->exit_code;
    e->exit_code = operation == EXEC_REFERENCE_DELETE ? ((code & 0x7f) ? 128 + (code & 0x7f) : (code >> 8) & 0xff) : 0;
    e->uid = task->cred->euid.val;
    e->operation = operation;
    e->flags = 0;
    if (operation == EXEC_REFERENCE_DELETE && (task->group_leader->flags & PF_FORKNOEXEC))
        e->flags |= EXEC_REFERENCE_FLAG_NEVER_EXECUTED;
    e->domain_size = e->image_size = e->command_size = 0;
    __u64 size = sizeof(*e);

    if (with_strings) {
        e->flags |= EXEC_REFERENCE_FLAG_STRINGS;
        /* Host name of the process's UTS namespace. */
        long n = bpf_probe_read_kernel_str(s->record + sizeof(*e), EXEC_REFERENCE_DOMAIN_MAX + 1,
                                           task->nsproxy->uts_ns->name.nodename);
        __u64 domain = n > 1 ? n - 1 : 0;
        if (domain > EXEC_REFERENCE_DOMAIN_MAX)
            domain = EXEC_REFERENCE_DOMAIN_MAX;
        e->domain_size = domain;
        size += domain;

        struct mm_struct *mm = task->mm;
        __u64 image = image_path(s, mm ? mm->exe_file : NULL);
        barrier_var(image);
        if (image > EXEC_REFERENCE_PATH_MAX)
            image = 0;
        if (image && size <= sizeof(*e) + EXEC_REFERENCE_DOMAIN_MAX &&
            bpf_probe_read_kernel(s->record + size, image, s->path + (s->pos & (PATH_REGION - 1))) == 0) {
            e->image_size = image;
            size += image;
        }

        if (mm && mm->arg_end > mm->arg_start) {
            __u64 command = mm->arg_end - mm->arg_start;
            if (command > EXEC_REFERENCE_COMMAND_MAX) {
                command = EXEC_REFERENCE_COMMAND_MAX;
                e->flags |= EXEC_REFERENCE_FLAG_COMMAND_TRUNCATED;
            }
            barrier_var(command);
            if (size <= sizeof(*e) + EXEC_REFERENCE_DOMAIN_MAX + EXEC_REFERENCE_PATH_MAX && command > 0 &&
                command <= EXEC_REFERENCE_COMMAND_MAX &&
                bpf_probe_read_user(s->record + size, command, (const void *)mm->arg_start) == 0) {
                e->command_size = command;
                size += command;
            }
        }
    }
    if (size > RECORD_MAX)
        return;
    if (!reference_output(&events, RING_SIZE, s->record, size, &s->unchecked))
        return;
    if (operation == EXEC_REFERENCE_CREATE && known) {
        known->pid = pid;
        known->start_ns = start;
    }
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(exec_reference_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 pid = child->tgid;
    if (child->pid != pid)
        return 0; /* a thread */
    __u32 slot = pid % SLOTS;
    struct origin *origin = bpf_map_lookup_elem(&forks, &slot);
    if (origin) {
        origin->start_ns = child->start_boottime;
        origin->pid = pid;
        origin->creating_pid = parent->tgid;
        origin->creating_tid = parent->pid;
    }
    return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_reference_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
    report(task, EXEC_REFERENCE_CREATE);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exec_reference_exit, struct task_struct *task, bool group_dead)
{
    if (group_dead)
        report(task, EXEC_REFERENCE_DELETE);
    return 0;
}
