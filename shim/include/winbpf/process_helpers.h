/* SPDX-License-Identifier: MIT */
/*
 * Process hook helpers (docs/hooks/process.md): image path, account name and account domain of the process an event is
 * about. Each copies UTF-16LE bytes without a NUL into buf and returns the byte length; 0 if empty; -EINVAL if
 * len is too small (nothing copied); -ENOENT for an account name or domain that cannot be resolved.
 */
#pragma once

#include "winbpf/task_strings.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, WINBPF_ACCOUNT_SLOTS);
    __type(key, __u32);
    __type(value, struct winbpf_account);
} winbpf_accounts SEC(".maps") WINBPF_SHIM_MAP;

/* Slot of uid in winbpf_accounts (layout in winbpf/abi.h), or NULL when the loader did not store it. */
static __always_inline struct winbpf_account *winbpf_account_find(__u32 uid)
{
#pragma unroll
    for (__u32 k = 0; k < WINBPF_ACCOUNT_PROBES; k++) {
        __u32 slot = (uid + k) % WINBPF_ACCOUNT_SLOTS;
        struct winbpf_account *account = bpf_map_lookup_elem(&winbpf_accounts, &slot);
        if (!account || account->length == 0)
            return NULL;
        if (account->uid == uid)
            return account;
    }
    return NULL;
}

/*
 * Process-hook state stored right before the hidden part of process_md_t (struct winbpf_process_ctx in
 * winbpf/process_glue.h): the file being executed when a CREATE comes from BPF LSM (bprm_check_security, before the
 * task's mm->exe_file changes); NULL for events from tracepoints, where the task's mm->exe_file is the image.
 */
struct winbpf_process_hidden {
    struct file *image;
};

#define WINBPF_PROCESS_HIDDEN(ctx)                                                                                     \
    ((struct winbpf_process_hidden *)((char *)WINBPF_HIDDEN(ctx) - sizeof(struct winbpf_process_hidden)))

/* Image path: canonical absolute path of the executable (mm->exe_file, as /proc/PID/exe shows it; under BPF LSM the
 * file execve is about to run). */
static __always_inline int bpf_process_get_image_path(process_md_t *ctx, uint8_t *buf, uint32_t len)
{
    struct winbpf_scratch *s = WINBPF_HIDDEN(ctx)->scratch;
    struct file *image = WINBPF_PROCESS_HIDDEN(ctx)->image;
    __u32 n = winbpf_image_path(s, image ? image : winbpf_task_exe(WINBPF_HIDDEN(ctx)->task));
    return winbpf_copy_out(buf, len, winbpf_text_result(s), n);
}

/* Account name: user name of the process's effective uid (passwd database, loaded into winbpf_accounts). */
static __always_inline int bpf_process_get_account_name(process_md_t *ctx, uint8_t *buf, uint32_t len)
{
    __u32 euid = WINBPF_HIDDEN(ctx)->task->cred->euid.val;
    struct winbpf_account *account = winbpf_account_find(euid);
    if (!account)
        return -ENOENT;
    __u32 n = account->length;
    if (n > sizeof(account->name))
        n = sizeof(account->name);
    return winbpf_copy_out(buf, len, account->name, n);
}

/* Account domain: UTS host name of the process (its UTS namespace's nodename). */
static __always_inline int bpf_process_get_account_domain(process_md_t *ctx, uint8_t *buf, uint32_t len)
{
    struct winbpf_scratch *s = WINBPF_HIDDEN(ctx)->scratch;
    long n = winbpf_task_host_name(s, WINBPF_HIDDEN(ctx)->task);
    if (n < 0)
        return -ENOENT;
    return winbpf_copy_out(buf, len, winbpf_text_result(s), n);
}

/*
 * winbpf extension (no Windows counterpart; a program that calls it is winbpf-only): 1 when the command line of this
 * CREATE, or on DELETE the one winbpf_process_get_command_line gives, holds only the first WINBPF_ARGV_MAX (32 KiB)
 * bytes of a longer argv, else 0.
 */
static __always_inline int winbpf_process_command_line_truncated(process_md_t *ctx)
{
    if (ctx->operation == PROCESS_OPERATION_DELETE) {
        struct mm_struct *mm = WINBPF_HIDDEN(ctx)->task->mm;
        return mm && mm->arg_end > mm->arg_start && mm->arg_end - mm->arg_start > WINBPF_ARGV_MAX;
    }
    return WINBPF_HIDDEN(ctx)->argv_size > WINBPF_ARGV_MAX;
}

/*
 * winbpf extension (winbpf-only): the process's command line into buf, in a CREATE's form (argv joined by single
 * spaces, UTF-16LE without NUL, the first WINBPF_ARGV_MAX bytes of argv). Returns the byte length, 0 if empty, -EINVAL
 * if len is too small (nothing copied).
 *  - CREATE: the event's own command line (command_start..command_end).
 *  - DELETE (which carries none, as on Windows): the argv the process exits with, read from its memory as
 *    /proc/PID/cmdline reads it. For a process that never exec'd (winbpf_process_never_executed) that is its parent's
 *    argv at the fork, the program it runs. 0 when the kernel reports the exit after freeing the process's memory
 *    (sched_process_exit after exit_mm, e.g. 6.1) or the memory cannot be read.
 */
static __always_inline int winbpf_process_get_command_line(process_md_t *ctx, uint8_t *buf, uint32_t len)
{
    if (ctx->operation != PROCESS_OPERATION_DELETE)
        return winbpf_copy_out(buf, len, ctx->command_start, ctx->command_end - ctx->command_start);
    struct winbpf_scratch *s = WINBPF_HIDDEN(ctx)->scratch;
    /* The exiting task is current (sched_process_exit runs in do_exit): its argv is user memory of this context. */
    __u32 n = winbpf_current_command_line(s, WINBPF_HIDDEN(ctx)->task);
    if (n > WINBPF_CMD_REGION)
        n = WINBPF_CMD_REGION;
    return winbpf_copy_out(buf, len, s->cmd, n);
}

/* task_struct::flags bit "forked but did not exec" (include/linux/sched.h): set on every new task, cleared by exec. */
#define WINBPF_PF_FORKNOEXEC 0x00000040

/*
 * winbpf extension (winbpf-only): 1 on the DELETE of a process that never exec'd (a fork or clone of its parent that
 * ran its parent's image to the end, like a shell's subshell or a forking server's worker; also kernel threads), else
 * 0 (always 0 on CREATE). Read from the kernel's PF_FORKNOEXEC of the thread group leader: whichever thread exec'd
 * became the leader, and exec clears the flag.
 */
static __always_inline int winbpf_process_never_executed(process_md_t *ctx)
{
    if (ctx->operation != PROCESS_OPERATION_DELETE)
        return 0;
    return (WINBPF_HIDDEN(ctx)->task->group_leader->flags & WINBPF_PF_FORKNOEXEC) != 0;
}
