/* SPDX-License-Identifier: MIT */
/*
 * Glue of the `process` hook: Linux entry programs that build process_md_t and call a Windows handler.
 *
 *   WINBPF_PROCESS_OBJECT_GLUE()   once per object: tracks who forked each process (tp_btf/sched_process_fork).
 *   WINBPF_PROCESS_ENTRY(handler)  per handler:
 *     <handler>__winbpf_process_exec       tp_btf/sched_process_exec  CREATE; a negative return kills with SIGKILL
 *     <handler>__winbpf_process_lsm        ?lsm/bprm_check_security   CREATE before the exec commits; a negative
 *                                                                     return fails execve with EPERM (BPF LSM);
 *                                                                     autoload off unless the loader chooses it
 *     <handler>__winbpf_process_exit       ?tp_btf/sched_process_exit DELETE when group_dead (kernels with it;
 *                                                                     autoload off: bpftool loads _exit_live)
 *     <handler>__winbpf_process_exit_live  tp_btf/sched_process_exit  DELETE when signal->live is 0 (older kernels),
 *                                                                     once per process (winbpf_exits)
 *   The loader loads one CREATE program (lsm where BPF LSM programs load and 'bpf' is an active LSM, else exec) and
 *   one of the two exit programs, chosen from the tracepoint's BTF prototype.
 */
#pragma once

#include "winbpf/license.h"

WINBPF_REQUIRE_GPL("process", "bpf_get_current_task_btf, bpf_probe_read_kernel and bpf_probe_read_user for the "
                              "process, its image path and command line; BTF access to kernel structures");

#include "ebpf_ntos_hooks.h"

/*
 * Direct-mapped by tgid: one array access per fork and per event (no hashing, locking or allocation; map updates
 * cost several hundred ns each on virtual machines). A slot taken over by another process fails validation and
 * the event falls back to the real parent.
 */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, WINBPF_FORKS_SLOTS);
    __type(key, __u32);
    __type(value, struct winbpf_fork_origin);
} winbpf_forks SEC(".maps") WINBPF_SHIM_MAP;

/*
 * DELETEs of the sched_process_exit variant for kernels whose tracepoint has no group_dead (before 6.x): every thread
 * that exits after the last decrement of signal->live reads 0 there, so threads of one process exiting together
 * could each report its DELETE. The first of them to insert (process, handler) here reports it; the others find the
 * key. LRU: a process's key is only needed while its threads exit.
 */
struct winbpf_exit_key {
    __u64 start_boottime; /* of the thread group leader: tells a reused tgid apart */
    __u32 tgid;
    __u32 handler; /* the entry's __COUNTER__: every handler of the object reports the DELETE once */
};
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4096);
    __type(key, struct winbpf_exit_key);
    __type(value, __u8);
} winbpf_exits SEC(".maps") WINBPF_SHIM_MAP;

/* process_md_t on the entry program's stack, with the hidden Linux state right before it. */
struct winbpf_process_ctx {
    struct winbpf_process_hidden process; /* WINBPF_PROCESS_HIDDEN(&md) */
    struct winbpf_hidden hidden;
    process_md_t md;
};

#ifndef EPERM
#define EPERM 1
#endif

/* One argument of an execve's argv per step: pointer argv[index] (s->loop.dentry holds the user address of argv),
 * its string with its NUL appended at s->bounce[s->loop.out]. Stops at a NULL or unreadable pointer and when
 * WINBPF_ARGV_MAX bytes are read; s->loop.truncated says whether argv went on past them. */
static long winbpf_argv_step(__u64 index, void *vctx)
{
    struct winbpf_scratch *s = ((struct winbpf_loop_ctx *)vctx)->s;
    __u64 arg = 0;
    if (bpf_probe_read_user(&arg, sizeof(arg), (const void *)(s->loop.dentry + 8 * index)) || !arg)
        return 1;
    __u32 used = s->loop.out;
    if (used >= WINBPF_ARGV_MAX) {
        s->loop.truncated = 1; /* an argument beyond the cap */
        return 1;
    }
    long n = bpf_probe_read_user_str(s->bounce + used, WINBPF_ARGV_MAX - used, (const void *)arg);
    if (n < 0)
        return 1;
    if (n == 0) { /* an empty argument (6.1 counts no NUL for it): keep it, as one separator */
        s->bounce[used] = 0;
        n = 1;
    }
    if (used + n >= WINBPF_ARGV_MAX) { /* filled the cap: cut unless the string's own NUL came last */
        char last = 0;
        if (bpf_probe_read_user(&last, 1, (const void *)(arg + n - 1)) == 0 && last != 0)
            s->loop.truncated = 1;
    }
    s->loop.out = used + n;
    return 0;
}

/*
 * Command line of the exec in progress at bprm_check_security (the new image's argv, which the kernel has copied into
 * the new mm, not yet the task's): argv of the execve/execveat system call the task is in, read from the caller's
 * memory, joined like winbpf_current_command_line into s->cmd as UTF-16LE; returns the byte length. 0 for execs not
 * made by a native 64-bit execve/execveat (kernel-started programs, 32-bit callers) and on non-x86-64 builds.
 */
static __always_inline __u32 winbpf_exec_command_line(struct winbpf_scratch *s, struct task_struct *task,
                                                      struct linux_binprm *bprm)
{
#if defined(__TARGET_ARCH_x86)
    struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
    if (!regs)
        return 0;
    long nr = regs->orig_ax;
    __u64 argv = nr == 59 /* execve */ ? regs->si : nr == 322 /* execveat */ ? regs->dx : 0;
    if (!argv)
        return 0;
    __u32 argc = bprm->argc;
    if (argc > WINBPF_ARGV_MAX)
        argc = WINBPF_ARGV_MAX;
    struct winbpf_loop_ctx lc = {.s = s};
    s->loop.dentry = argv;
    s->loop.out = 0;
    s->loop.truncated = bprm->argc > WINBPF_ARGV_MAX; /* more arguments than steps: cut */
    bpf_loop(argc, winbpf_argv_step, &lc, 0);
    __u64 n = s->loop.out;
    if (n == 0 || n > WINBPF_ARGV_MAX)
        return 0;
    if (s->bounce[(n - 1) & (WINBPF_BOUNCE_REGION - 1)] == 0)
        n--;
    /* Bounded again where n sizes the copy (6.1's verifier loses the bound through n - 1). */
    barrier_var(n);
    if (n == 0 || n > WINBPF_ARGV_MAX)
        return 0;
    /* Raw argv at cmd[n], converted to cmd[0], as winbpf_current_command_line lays it out. */
    __u64 at = n;
    barrier_var(at);
    if (bpf_probe_read_kernel(s->cmd + at, n, s->bounce))
        return 0;
    return winbpf_utf16_cmd(s, at, n);
#else
    return 0;
#endif
}

/* Binary SID S-1-22-1-<uid>: revision 1, two sub-authorities, identifier authority 22 (Unix users). */
static __always_inline void winbpf_unix_user_sid(uint8_t *sid, __u32 uid)
{
    sid[0] = 1;
    sid[1] = 2;
    sid[7] = 22;
    sid[8] = 1;
    sid[12] = uid & 0xff;
    sid[13] = (uid >> 8) & 0xff;
    sid[14] = (uid >> 16) & 0xff;
    sid[15] = uid >> 24;
}

/* Exit status of a dying task as Windows reports it: 0..255, or 128+N when killed by signal N. */
static __always_inline __u32 winbpf_exit_status(struct task_struct *task)
{
    __u32 code = task->exit_code;
    return (code & 0x7f) ? 128 + (code & 0x7f) : (code >> 8) & 0xff;
}

/*
 * Fill w for an event about task (== current, a trusted tracepoint argument; fields are read with direct BTF loads).
 * bprm: the exec being checked for a CREATE from BPF LSM (image, argv and credentials are the new image's), else
 * NULL. Returns 0, or -1 when the scratch is missing (the event is dropped and counted as lost).
 */
static __always_inline int winbpf_process_prepare(struct winbpf_process_ctx *w, void *linux_ctx,
                                                  struct task_struct *task, process_operation_t operation,
                                                  struct linux_binprm *bprm)
{
    struct winbpf_scratch *s = winbpf_scratch_get();
    if (!s) {
        winbpf_count_lost();
        return -1;
    }
    __builtin_memset(w, 0, sizeof(*w));
    w->hidden.linux_ctx = linux_ctx;
    w->hidden.task = task;
    w->hidden.scratch = s;

    struct task_struct *parent = task->real_parent;
    __u32 tgid = task->tgid;
    __u64 start_boottime = task->group_leader->start_boottime;
    /* Both candidates are read unconditionally: the verifier rejects one load insn fed by two pointer types. */
    __u32 parent_tgid = parent->tgid, parent_pid = parent->pid;
    __u32 creating_process_id = parent_tgid, creating_thread_id = parent_pid;
    __u32 slot = tgid % WINBPF_FORKS_SLOTS;
    struct winbpf_fork_origin *origin = bpf_map_lookup_elem(&winbpf_forks, &slot);
    if (origin) {
        __u32 origin_tgid = origin->tgid, origin_process = origin->creating_process_id;
        __u32 origin_thread = origin->creating_thread_id;
        __u64 origin_start = origin->start_boottime;
        if (origin_tgid == tgid && origin_start == start_boottime) {
            creating_process_id = origin_process;
            creating_thread_id = origin_thread;
        }
        /* else: forked before winbpf attached, or the slot was taken over: fall back to the real parent. */
    }
    w->md.process_id = tgid;
    w->md.parent_process_id = parent_tgid;
    w->md.creating_process_id = creating_process_id;
    w->md.creating_thread_id = creating_thread_id;
    w->md.creation_time = winbpf_boottime_to_filetime(start_boottime);
    w->md.operation = operation;
    w->md.token_sid_size = 16;
    winbpf_unix_user_sid(w->md.token_sid, bprm ? bprm->cred->euid.val : task->cred->euid.val);
    if (bprm)
        w->process.image = bprm->file;

    /* As on Windows, only CREATE has a command line; DELETE gets an empty one. */
    __u32 n = 0;
    if (operation == PROCESS_OPERATION_CREATE && bprm) {
        s->loop.truncated = 0;
        n = winbpf_exec_command_line(s, task, bprm);
        /* Before the exec commits, the new image's argv size is not known: the read says whether it was cut. */
        if (s->loop.truncated)
            w->hidden.argv_size = WINBPF_ARGV_MAX + 1;
    } else if (operation == PROCESS_OPERATION_CREATE) {
        n = winbpf_current_command_line(s, task);
        struct mm_struct *mm = task->mm;
        if (mm && mm->arg_end > mm->arg_start)
            w->hidden.argv_size = mm->arg_end - mm->arg_start;
    }
    if (n > WINBPF_CMD_REGION)
        n = WINBPF_CMD_REGION;
    w->md.command_start = s->cmd;
    w->md.command_end = s->cmd + n;
    return 0;
}

static __always_inline void winbpf_process_prepare_exit(struct winbpf_process_ctx *w, struct task_struct *task)
{
    w->md.exit_time = winbpf_filetime_now();
    w->md.process_exit_code = winbpf_exit_status(task);
}

#define WINBPF_PROCESS_OBJECT_GLUE()                                                                                   \
    __attribute__((section("tp_btf/sched_process_fork"), used)) int BPF_PROG(                                          \
        winbpf__process_fork, struct task_struct *parent, struct task_struct *child)                                   \
    {                                                                                                                  \
        __u32 tgid = child->tgid;                                                                                      \
        if ((__u32)child->pid != tgid)                                                                                 \
            return 0; /* a new thread, not a new process */                                                            \
        __u32 slot = tgid % WINBPF_FORKS_SLOTS;                                                                        \
        struct winbpf_fork_origin *origin = bpf_map_lookup_elem(&winbpf_forks, &slot);                                 \
        if (origin) { /* parent is current: the forking thread */                                                      \
            origin->start_boottime = child->start_boottime;                                                            \
            origin->tgid = tgid;                                                                                       \
            origin->creating_process_id = parent->tgid;                                                                \
            origin->creating_thread_id = parent->pid;                                                                  \
        }                                                                                                              \
        return 0;                                                                                                      \
    }

#define WINBPF_PROCESS_ENTRY(handler)                                                                                  \
    __attribute__((section("tp_btf/sched_process_exec"), used)) int BPF_PROG(                                          \
        handler##__winbpf_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)            \
    {                                                                                                                  \
        struct winbpf_process_ctx w;                                                                                   \
        if (winbpf_process_prepare(&w, ctx, task, PROCESS_OPERATION_CREATE, NULL))                                     \
            return 0;                                                                                                  \
        if (handler(&w.md) < 0)                                                                                        \
            bpf_send_signal(9 /* SIGKILL */);                                                                          \
        return 0;                                                                                                      \
    }                                                                                                                  \
    /* Once per execve: an interpreter's check (a script's #!, bprm->executable set) gives no second CREATE. */        \
    __attribute__((section("?lsm/bprm_check_security"), used)) int BPF_PROG(handler##__winbpf_process_lsm,             \
                                                                            struct linux_binprm *bprm, int ret)        \
    {                                                                                                                  \
        struct winbpf_process_ctx w;                                                                                   \
        if (ret != 0)                                                                                                  \
            return ret;                                                                                                \
        if (bprm->executable)                                                                                          \
            return 0;                                                                                                  \
        struct task_struct *task = bpf_get_current_task_btf();                                                         \
        if (winbpf_process_prepare(&w, ctx, task, PROCESS_OPERATION_CREATE, bprm))                                     \
            return 0;                                                                                                  \
        return handler(&w.md) < 0 ? -EPERM : 0;                                                                        \
    }                                                                                                                  \
    __attribute__((section("?tp_btf/sched_process_exit"), used)) int BPF_PROG(                                         \
        handler##__winbpf_process_exit, struct task_struct *task, bool group_dead)                                     \
    {                                                                                                                  \
        struct winbpf_process_ctx w;                                                                                   \
        if (!group_dead || winbpf_process_prepare(&w, ctx, task, PROCESS_OPERATION_DELETE, NULL))                      \
            return 0;                                                                                                  \
        winbpf_process_prepare_exit(&w, task);                                                                         \
        handler(&w.md);                                                                                                \
        return 0;                                                                                                      \
    }                                                                                                                  \
    __attribute__((section("tp_btf/sched_process_exit"), used)) int BPF_PROG(handler##__winbpf_process_exit_live,      \
                                                                             struct task_struct *task)                 \
    {                                                                                                                  \
        struct winbpf_process_ctx w;                                                                                   \
        if (task->signal->live.counter != 0)                                                                           \
            return 0;                                                                                                  \
        struct winbpf_exit_key key = {task->group_leader->start_boottime, task->tgid, __COUNTER__};                    \
        const __u8 reported = 1;                                                                                       \
        if ((bpf_map_update_elem)(&winbpf_exits, &key, &reported, BPF_NOEXIST) != 0)                                   \
            return 0; /* another thread of the process reported it */                                                  \
        if (winbpf_process_prepare(&w, ctx, task, PROCESS_OPERATION_DELETE, NULL))                                     \
            return 0;                                                                                                  \
        winbpf_process_prepare_exit(&w, task);                                                                         \
        handler(&w.md);                                                                                                \
        return 0;                                                                                                      \
    }
