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
    /* Checked apart: clang would fold both tests into one range check on n - 1, whose bound 6.1's verifier does not
     * carry over to n. */
    barrier_var(n);
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
    /* Raw argv at cmd[n], converted to cmd[0] (see utf16.h): a short command line stays in one page. */
    __u64 at = n;
    barrier_var(at);
    if (bpf_probe_read_user(s->cmd + at, n, (const void *)start))
        return 0;
    if (s->cmd[(at + n - 1) & (WINBPF_CMD_REGION - 1)] == 0)
        n--;
    return winbpf_utf16_cmd(s, at, n);
}

/* enum bpf_features of kernels whose bpf_rdonly_cast(ptr, 0) gives read-only untrusted memory (6.17+); a local
 * flavor so the shim builds against any vmlinux.h (CO-RE matches it to the kernel's enum by name). */
enum bpf_features___winbpf { BPF_FEAT_RDONLY_CAST_TO_VOID___winbpf = 0 };

/* Longest dentry name copied with direct loads; longer (rare) names are copied by bpf_probe_read_kernel. */
#define WINBPF_NAME_DIRECT_MAX 64

/*
 * Copy a dentry name (len 1..WINBPF_NAME_DIRECT_MAX bytes) to text[pos..pos+len) with direct 8-byte loads instead of a
 * helper call, right to left so no store reaches past the name's end (the leftmost store also covers up to 7 bytes
 * before pos, which the path walk has not written yet). Dentry names contain no NUL byte, so a NUL among the name's
 * bytes means a load faulted (the kernel then yields 0): returns 0 and the caller copies with bpf_probe_read_kernel.
 * Also returns 0 on kernels without untrusted direct loads (the code is then dead and not verified).
 */
static __always_inline int winbpf_copy_name_direct(__u8 *text, __u32 pos, const unsigned char *name, __u32 len)
{
    if (!bpf_core_enum_value_exists(enum bpf_features___winbpf, BPF_FEAT_RDONLY_CAST_TO_VOID___winbpf))
        return 0;
    if (len > WINBPF_NAME_DIRECT_MAX)
        return 0;
    const __u8 *src = bpf_rdonly_cast(name, 0);
    const __u64 high = 0x8080808080808080ULL, ones = 0x0101010101010101ULL;
#pragma unroll
    for (__u32 j = 0; j < WINBPF_NAME_DIRECT_MAX / 8; j++) {
        if (8 * j >= len)
            break;
        /* Name bytes [len - 8j - 8, len - 8j): fewer than 8 of them in the leftmost word. */
        __s64 from = (__s64)len - 8 * j - 8;
        __u64 word = *(const __u64 *)(src + from);
        __u64 mine = from >= 0 ? word : word | (~0ULL >> (64 + 8 * from));
        if ((mine - ones) & ~mine & high)
            return 0;
        *(__u64 *)(text + ((pos + from) & (WINBPF_TEXT_REGION - 1))) = word;
    }
    return 1;
}

/* Longest path text d_path gives /proc/PID/exe (PATH_MAX with its NUL); a longer one fails there (ENAMETOOLONG). */
#define WINBPF_PATH_TEXT_MAX (WINBPF_PATH_MAX - 1)
/* Most dentries plus mount crossings one path walk visits (a path of WINBPF_PATH_TEXT_MAX bytes has at most 2047
 * components); a deeper walk is cut like a path that does not fit. */
#define WINBPF_PATH_STEPS 4096

/* s->loop.truncated of the path walk. */
#define WINBPF_PATH_AT_ROOT 0 /* reached the root of the mount tree (or of a detached one) */
#define WINBPF_PATH_CUT 1     /* the next name did not fit in WINBPF_PATH_TEXT_MAX, or all steps were used */
#define WINBPF_PATH_ESCAPED 2 /* a dentry that is its own parent below its mount's root (d_path: "Escaped?") */

/*
 * One step of the walk of fs/d_path.c's __prepend_path: a dentry's name, or one mount crossing. Stops at the root
 * of the mount tree; names are prepended right to left below s->loop.pos.
 */
static long winbpf_path_step(__u64 index, void *vctx)
{
    (void)index; /* bpf_loop's callback signature */
    struct winbpf_scratch *s = ((struct winbpf_loop_ctx *)vctx)->s;
    struct winbpf_loop_state *w = &s->loop;
    const __u64 mnt_offset = bpf_core_field_offset(struct mount, mnt);
    __u64 parent = (__u64)winbpf_kread(w->dentry, struct dentry, d_parent);
    if (w->dentry == (__u64)winbpf_kread(w->vfsmnt, struct vfsmount, mnt_root)) {
        __u64 mnt = w->vfsmnt - mnt_offset;
        __u64 up = (__u64)winbpf_kread(mnt, struct mount, mnt_parent);
        if (!up || up == mnt) {
            w->truncated = WINBPF_PATH_AT_ROOT;
            return 1;
        }
        w->dentry = (__u64)winbpf_kread(mnt, struct mount, mnt_mountpoint);
        w->vfsmnt = up + mnt_offset;
        return 0;
    }
    if (w->dentry == parent) {
        w->truncated = WINBPF_PATH_ESCAPED;
        return 1;
    }
    /* 64-bit: the bound below then holds in the register that sizes the copy (no zero-extension in between) */
    __u64 len = winbpf_kread(w->dentry, struct dentry, d_name.len);
    const unsigned char *name = winbpf_kread(w->dentry, struct dentry, d_name.name);
    if (len > 255)
        len = 255;
    __u32 pos = w->pos;
    if (len + 1 > pos - (WINBPF_TEXT_REGION - WINBPF_PATH_TEXT_MAX)) {
        w->truncated = WINBPF_PATH_CUT;
        return 1;
    }
    pos -= len;
    if (!winbpf_copy_name_direct(s->text, pos, name, len))
        bpf_probe_read_kernel(s->text + (pos & (WINBPF_TEXT_REGION - 1)), len, name);
    pos -= 1;
    s->text[pos & (WINBPF_TEXT_REGION - 1)] = '/';
    w->pos = pos;
    w->dentry = parent;
    return 0;
}

/* Prepends d_path's " (deleted)" marker (10 bytes) to the text ending at s->text[pos]; returns the new start. */
static __always_inline __u32 winbpf_prepend_deleted(struct winbpf_scratch *s, __u32 pos)
{
    const char mark[10] = {' ', '(', 'd', 'e', 'l', 'e', 't', 'e', 'd', ')'};
    pos -= 10;
#pragma unroll
    for (__u32 i = 0; i < 10; i++)
        s->text[(pos + i) & (WINBPF_TEXT_REGION - 1)] = mark[i];
    return pos;
}

/* The executable of task (mm->exe_file, what /proc/PID/exe names); NULL for kernel threads and tasks past exit_mm. */
static __always_inline struct file *winbpf_task_exe(struct task_struct *task)
{
    struct mm_struct *mm = task->mm;
    return mm ? mm->exe_file : NULL;
}

/*
 * Image path of the executable exe into s->text as UTF-16LE (winbpf_text_result); returns the byte length, 0 if
 * unknown.
 *
 * The text is what d_path() gives `readlink /proc/PID/exe` for mm->exe_file (fs/d_path.c), read by a process whose
 * root is the root of the mount tree:
 *  - a dentry with a d_dname operation that is not the root of its mount (memfd, other pseudo files): "/" + its name
 *    + " (deleted)" (simple_dname, which every executable pseudo file uses): "/memfd:NAME (deleted)";
 *  - otherwise the names up the dentry and mount tree of the file's own mount namespace (another namespace's file
 *    reads as that namespace names it; a chroot does not change it), followed by " (deleted)" when the dentry is
 *    unlinked (deleted while running, O_TMPFILE "#<inode>");
 *  - a path whose text exceeds WINBPF_PATH_TEXT_MAX bytes (readlink fails with ENAMETOOLONG there) keeps its last
 *    components, led by "..." instead of "/": the only image path that does not start with "/".
 */
static __always_inline __u32 winbpf_build_image_path(struct winbpf_scratch *s, struct file *exe)
{
    if (!exe)
        return 0;
    struct dentry *dentry = exe->f_path.dentry;
    struct vfsmount *vfsmnt = exe->f_path.mnt;
    if (!dentry || !vfsmnt)
        return 0;
    struct dentry *parent = dentry->d_parent;
    const struct dentry_operations *ops = dentry->d_op;
    __u32 end = WINBPF_TEXT_REGION, pos;
    if (ops && ops->d_dname && (dentry != parent || dentry != vfsmnt->mnt_root)) {
        /* simple_dname(): "/" name " (deleted)" */
        pos = winbpf_prepend_deleted(s, end);
        __u32 len = dentry->d_name.len;
        if (len > 255)
            len = 255;
        pos -= len;
        if (len)
            bpf_probe_read_kernel(s->text + (pos & (WINBPF_TEXT_REGION - 1)), len, dentry->d_name.name);
        pos -= 1;
        s->text[pos & (WINBPF_TEXT_REGION - 1)] = '/';
        return winbpf_utf16_text(s, pos, WINBPF_TEXT_REGION - pos);
    }
    /* d_unlinked(): unhashed and not a root */
    if (!dentry->d_hash.pprev && dentry != parent)
        end = winbpf_prepend_deleted(s, end);

    struct winbpf_loop_ctx lc = {.s = s};
    s->loop.dentry = (__u64)dentry;
    s->loop.vfsmnt = (__u64)vfsmnt;
    s->loop.pos = end;
    s->loop.truncated = WINBPF_PATH_CUT; /* unless the walk ends at a root */
    bpf_loop(WINBPF_PATH_STEPS, winbpf_path_step, &lc, 0);
    pos = s->loop.pos;
    if (s->loop.truncated == WINBPF_PATH_ESCAPED)
        pos = end; /* d_path keeps none of the names */
    if (pos < WINBPF_TEXT_REGION - WINBPF_PATH_TEXT_MAX || pos > end)
        return 0;
    if (s->loop.truncated == WINBPF_PATH_CUT) {
        /* The leading components are replaced by "..." (overwriting up to 2 bytes of the next name when the
         * kept tail fills the room: the text stays within WINBPF_PATH_MAX). */
        pos = pos - 3 < WINBPF_TEXT_REGION - WINBPF_PATH_MAX ? WINBPF_TEXT_REGION - WINBPF_PATH_MAX : pos - 3;
        s->text[pos & (WINBPF_TEXT_REGION - 1)] = '.';
        s->text[(pos + 1) & (WINBPF_TEXT_REGION - 1)] = '.';
        s->text[(pos + 2) & (WINBPF_TEXT_REGION - 1)] = '.';
    } else if (pos == end) {
        pos -= 1;
        s->text[pos & (WINBPF_TEXT_REGION - 1)] = '/';
    }
    if (pos < WINBPF_TEXT_REGION - WINBPF_PATH_MAX || pos >= WINBPF_TEXT_REGION)
        return 0;
    return winbpf_utf16_text(s, pos, WINBPF_TEXT_REGION - pos);
}

/* Callback context of winbpf_image_path_once. */
struct winbpf_image_path_ctx {
    struct winbpf_scratch *s;
    struct file *exe;
};

/* The whole image path in one bpf_loop step: the verifier checks its branches (pseudo file, unlinked, cut, escaped)
 * once, and the caller continues in a single state (the result comes back through the map value), instead of every
 * branch multiplying the states of the handler code after it (it halves the verified instructions of the entries). */
static long winbpf_image_path_once(__u64 index, void *vctx)
{
    (void)index; /* bpf_loop's callback signature */
    struct winbpf_image_path_ctx *c = vctx;
    c->s->loop.result = winbpf_build_image_path(c->s, c->exe);
    return 1;
}

/* Canonical path of the executable exe (trusted: a task's mm->exe_file, as /proc/PID/exe, or an exec's bprm->file)
 * into s->text as UTF-16LE (winbpf_text_result), as winbpf_build_image_path reads it; returns the byte length, 0 if
 * unknown (exe NULL). */
static __always_inline __u32 winbpf_image_path(struct winbpf_scratch *s, struct file *exe)
{
    if (!exe)
        return 0;
    struct winbpf_image_path_ctx c = {.s = s, .exe = exe};
    s->loop.result = 0;
    bpf_loop(1, winbpf_image_path_once, &c, 0);
    return s->loop.result;
}

/* Index (0..7) of the lowest byte whose marker bit 0x80 is set in z (z != 0). */
static __always_inline __u32 winbpf_first_marked_byte(__u64 z)
{
    __u32 k = 0;
    if (!(z & 0xffffffffULL)) {
        k += 4;
        z >>= 32;
    }
    if (!(z & 0xffffULL)) {
        k += 2;
        z >>= 16;
    }
    if (!(z & 0xffULL))
        k += 1;
    return k;
}

/* Where the ASCII fast path writes a host name: the last 128 bytes of the text region. */
#define WINBPF_HOST_NAME_AT (WINBPF_TEXT_REGION - 128)

/*
 * ASCII host name straight from the UTS namespace with direct loads (no helper call, no loop): 8 words of
 * nodename, each widened to UTF-16LE at s->text[WINBPF_HOST_NAME_AT + 16 * i]. Returns the byte length, or -1
 * when the name is not pure ASCII or has no NUL in its first 64 bytes (the caller then takes the UTF-8 path).
 */
static __always_inline long winbpf_ascii_host_name(struct winbpf_scratch *s, struct uts_namespace *uts)
{
    const __u64 high = 0x8080808080808080ULL, ones = 0x0101010101010101ULL;
    __u64 *out = (__u64 *)(s->text + WINBPF_HOST_NAME_AT);
    /* Word loads (the verifier allows them inside the char array; clang would split a char-aligned access). */
    const __u64 *node = (const __u64 *)(void *)uts->name.nodename;
    __u32 len = 0;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        __u64 w = node[i];
        __u64 zero = (w - ones) & ~w & high;
        if (zero) {
            __u32 k = winbpf_first_marked_byte(zero);
            __u64 before = k ? (~0ULL >> (64 - 8 * k)) : 0;
            if (w & before & high)
                return -1;
            out[2 * i] = winbpf_widen4(w & before);
            out[2 * i + 1] = winbpf_widen4((w & before) >> 32);
            s->loop.text_start = WINBPF_HOST_NAME_AT;
            return (len + k) * 2;
        }
        if (w & high)
            return -1;
        out[2 * i] = winbpf_widen4(w);
        out[2 * i + 1] = winbpf_widen4(w >> 32);
        len += 8;
    }
    return -1;
}

/* Host name of task's UTS namespace into s->text as UTF-16LE (winbpf_text_result); returns the byte length,
 * < 0 if unknown. */
static __always_inline long winbpf_task_host_name(struct winbpf_scratch *s, struct task_struct *task)
{
    struct nsproxy *nsproxy = task->nsproxy;
    if (!nsproxy)
        return -ENOENT;
    struct uts_namespace *uts = nsproxy->uts_ns;
    if (!uts)
        return -ENOENT;
    long ascii = winbpf_ascii_host_name(s, uts);
    if (ascii > 0)
        return ascii;
    __u32 at = WINBPF_HOST_NAME_AT;
    long n = bpf_probe_read_kernel_str(s->text + at, 65, &uts->name.nodename);
    if (n <= 1)
        return -ENOENT;
    return winbpf_utf16_text(s, at, n - 1);
}
