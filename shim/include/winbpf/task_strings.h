/* SPDX-License-Identifier: MIT */
/*
 * Strings of a task, built in the per-CPU scratch as UTF-16LE: command line (argv), image path (dentry walk of
 * mm->exe_file across mounts), host name (UTS namespace).
 */
#pragma once

#include "winbpf/utf16.h"

/* Copy n bytes of a finished string to the program's buffer: n, 0 if empty, -EINVAL if len is too small.
 * n is 64-bit so the bound check and the helper's size argument are the same register for the verifier. */
static __always_inline int winbpf_copy_out(void *buf, __u32 len, const void *src, __u64 n)
{
    barrier_var(n);
    if (n > len)
        return -EINVAL;
    if (n == 0)
        return 0;
    return bpf_probe_read_kernel(buf, n, src) ? -EFAULT : (int)n;
}

/*
 * Command line of the current task (task: trusted BTF pointer, read with direct loads) (argv from
 * mm->arg_start..arg_end, at most WINBPF_ARGV_MAX bytes, NUL separators as spaces, trailing NUL dropped) into s->cmd as
 * UTF-16LE. Returns the byte length; 0 when the task has no mm or its argv cannot be read.
 */
static __always_inline __u32 winbpf_current_command_line(struct winbpf_scratch *s, struct task_struct *task)
{
    struct mm_struct *mm = task->mm;
    if (!mm)
        return 0;
    __u64 start = mm->arg_start, end = mm->arg_end;
    if (end <= start)
        return 0;
    __u64 n = end - start;
    if (n > WINBPF_ARGV_MAX)
        n = WINBPF_ARGV_MAX;
    if (bpf_probe_read_user(s->cmd + WINBPF_ARGV_MAX, n, (const void *)start))
        return 0;
    if (s->cmd[(WINBPF_ARGV_MAX + n - 1) & (WINBPF_CMD_REGION - 1)] == 0)
        n--;
    return winbpf_utf16_cmd(s, WINBPF_ARGV_MAX, n, 1);
}

/* One dentry (or one mount crossing) per step; stops at the root of the mount tree. */
static long winbpf_path_step(__u64 index, void *vctx)
{
    struct winbpf_scratch *s = ((struct winbpf_loop_ctx *)vctx)->s;
    struct winbpf_loop_state *w = &s->loop;
    const __u64 mnt_offset = bpf_core_field_offset(struct mount, mnt);
    struct dentry *dentry = winbpf_cast(w->dentry, struct dentry);
    struct vfsmount *vfsmnt = winbpf_cast(w->vfsmnt, struct vfsmount);
    __u64 parent = (__u64)dentry->d_parent;
    if (w->dentry == (__u64)vfsmnt->mnt_root || w->dentry == parent) {
        struct mount *mnt = winbpf_cast(w->vfsmnt - mnt_offset, struct mount);
        __u64 up = (__u64)mnt->mnt_parent;
        if (!up || up == w->vfsmnt - mnt_offset)
            return 1;
        w->dentry = (__u64)mnt->mnt_mountpoint;
        w->vfsmnt = up + mnt_offset;
        return 0;
    }
    __u32 len = dentry->d_name.len;
    const unsigned char *name = dentry->d_name.name;
    if (len > 255)
        len = 255;
    __u32 pos = w->pos;
    if (len + 1 + 3 > pos - (WINBPF_TEXT_REGION - WINBPF_PATH_MAX)) {
        w->truncated = 1; /* room stays for the "..." that marks the cut */
        return 1;
    }
    pos -= len;
    bpf_probe_read_kernel(s->text + (pos & (WINBPF_TEXT_REGION - 1)), len, name);
    pos -= 1;
    s->text[pos & (WINBPF_TEXT_REGION - 1)] = '/';
    w->pos = pos;
    w->dentry = parent;
    return 0;
}

/* Image path of task (trusted: mm->exe_file, as /proc/PID/exe) into s->text as UTF-16LE; returns the byte
 * length, 0 if unknown. */
static __always_inline __u32 winbpf_task_image_path(struct winbpf_scratch *s, struct task_struct *task)
{
    struct mm_struct *mm = task->mm;
    if (!mm)
        return 0;
    struct file *exe = mm->exe_file;
    if (!exe)
        return 0;
    struct winbpf_loop_ctx lc = {.s = s};
    s->loop.dentry = (__u64)exe->f_path.dentry;
    s->loop.vfsmnt = (__u64)exe->f_path.mnt;
    s->loop.pos = WINBPF_TEXT_REGION;
    s->loop.truncated = 0;
    bpf_loop(128, winbpf_path_step, &lc, 0);
    __u32 pos = s->loop.pos;
    if (s->loop.truncated && pos >= WINBPF_TEXT_REGION - WINBPF_PATH_MAX + 3 && pos <= WINBPF_TEXT_REGION) {
        /* Deeper than WINBPF_PATH_MAX: the leading components are replaced by "..." */
        pos -= 3;
        s->text[pos & (WINBPF_TEXT_REGION - 1)] = '.';
        s->text[(pos + 1) & (WINBPF_TEXT_REGION - 1)] = '.';
        s->text[(pos + 2) & (WINBPF_TEXT_REGION - 1)] = '.';
    }
    if (pos == WINBPF_TEXT_REGION) {
        pos -= 1;
        s->text[pos & (WINBPF_TEXT_REGION - 1)] = '/';
    }
    if (pos < WINBPF_TEXT_REGION - WINBPF_PATH_MAX || pos >= WINBPF_TEXT_REGION)
        return 0;
    return winbpf_utf16_text(s, pos, WINBPF_TEXT_REGION - pos);
}

/* Host name of task's UTS namespace into s->text as UTF-16LE; returns the byte length, < 0 if unknown. */
static __always_inline long winbpf_task_host_name(struct winbpf_scratch *s, struct task_struct *task)
{
    struct nsproxy *nsproxy = task->nsproxy;
    if (!nsproxy)
        return -ENOENT;
    struct uts_namespace *uts = nsproxy->uts_ns;
    if (!uts)
        return -ENOENT;
    __u32 at = WINBPF_TEXT_REGION - 128;
    long n = bpf_probe_read_kernel_str(s->text + at, 65, &uts->name.nodename);
    if (n <= 1)
        return -ENOENT;
    return winbpf_utf16_text(s, at, n - 1);
}
