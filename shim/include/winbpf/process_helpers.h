/* SPDX-License-Identifier: MIT */
/*
 * Process hook helpers (CONTRACT §3): image path, account name and account domain of the process an event is
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
} winbpf_accounts SEC(".maps");

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
 * CREATE holds only the first WINBPF_ARGV_MAX (32 KiB) bytes of a longer argv, else 0 (also on DELETE).
 */
static __always_inline int winbpf_process_command_line_truncated(process_md_t *ctx)
{
    return WINBPF_HIDDEN(ctx)->argv_size > WINBPF_ARGV_MAX;
}
