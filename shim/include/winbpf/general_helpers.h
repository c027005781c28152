/* SPDX-License-Identifier: MIT */
/*
 * eBPF-for-Windows general helpers that Linux lacks or spells differently (docs/compatibility.md, Helpers).
 */
#pragma once

#include "winbpf/common.h"

#include "winbpf/hooks.h"

/* Windows contexts (one per row of winbpf/hooks.h) carry the Linux context in their hidden part (WINBPF_HIDDEN). */
#define WINBPF_DECLARE_CONTEXT(name, context, header, object_macro, entry_macro) struct context;
#define WINBPF_NO_CONTEXT(name)
WINBPF_HOOKS(WINBPF_DECLARE_CONTEXT, WINBPF_NO_CONTEXT)

#define WINBPF_LINUX_CTX_CASE(name, context, header, object_macro, entry_macro)                                        \
    struct context * : WINBPF_HIDDEN(winbpf_ctx_)->linux_ctx,

/* The Linux program context behind a Windows hook context; other pointers pass through unchanged. */
#define winbpf_linux_ctx(ctx)                                                                                          \
    ({                                                                                                                 \
        __auto_type winbpf_ctx_ = (ctx);                                                                               \
        _Generic(winbpf_ctx_, WINBPF_HOOKS(WINBPF_LINUX_CTX_CASE, WINBPF_NO_CONTEXT) default : (void *)winbpf_ctx_);   \
    })

/* Flags of bpf_perf_event_output (EBPF_MAP_FLAG_CURRENT_CPU, ...): ebpf_structs.h. */
#include "ebpf_structs.h"

/* bpf_perf_event_output(ctx, map, flags, data, size): Windows argument order, same as Linux. */
#define bpf_perf_event_output(ctx, map, flags, data, size)                                                             \
    (bpf_perf_event_output)(winbpf_linux_ctx(ctx), (map), (flags), (data), (size))

/*
 * bpf_ringbuf_output(map, data, size, flags). With flags 0 (what Windows programs pass) winbpf batches wake-ups:
 * the consumer is woken only once a quarter of the ring is filled (checked every min(ring / 64, 4 KiB) written
 * per CPU); winbpf's loader drains on a timeout, so records arrive within that timeout. Explicit Linux flags
 * (BPF_RB_NO_WAKEUP, BPF_RB_FORCE_WAKEUP) are honoured. A record that does not fit is counted in winbpf_lost and
 * reported by the loader.
 */
static __always_inline long winbpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags)
{
    if (flags == 0) {
        flags = BPF_RB_NO_WAKEUP;
        /* The fill is checked once this CPU has written min(ring / 64, 4 KiB) since its last check: reading the
         * consumer position is a cache miss (userspace writes it), so it is not paid for every record. */
        __u64 ring_size = bpf_ringbuf_query(ringbuf, BPF_RB_RING_SIZE);
        __u64 every = ring_size / 64 < 4096 ? ring_size / 64 : 4096;
        struct winbpf_scratch *s = winbpf_scratch_get();
        __u64 unchecked = s ? s->ringbuf_unchecked + size : every;
        if (unchecked >= every) {
            unchecked = 0;
            __u64 pending = bpf_ringbuf_query(ringbuf, BPF_RB_AVAIL_DATA);
            if (pending + size >= ring_size / 4)
                flags = BPF_RB_FORCE_WAKEUP;
        }
        if (s)
            s->ringbuf_unchecked = unchecked;
    }
    long ret = (bpf_ringbuf_output)(ringbuf, data, size, flags);
    if (ret < 0)
        winbpf_count_lost();
    return ret;
}
#define bpf_ringbuf_output(map, data, size, flags) winbpf_ringbuf_output((map), (data), (size), (flags))

/* bpf_ringbuf_reserve: as Linux; a failed reservation is counted in winbpf_lost. */
static __always_inline void *winbpf_ringbuf_reserve(void *ringbuf, __u64 size, __u64 flags)
{
    void *record = (bpf_ringbuf_reserve)(ringbuf, size, flags);
    if (!record)
        winbpf_count_lost();
    return record;
}
#define bpf_ringbuf_reserve(map, size, flags) winbpf_ringbuf_reserve((map), (size), (flags))

/*
 * bpf_printk(fmt, ...) and eBPF for Windows' fixed-arity printk helpers it expands to: bpf_trace_printk2 (format only)
 * to bpf_trace_printk5 (3 numeric arguments), each given the format and its size in bytes with the NUL. They return
 * the number of bytes written (Linux's bpf_trace_printk: the formatted text without its NUL), or -1, as on Windows,
 * when the format is not one Windows prints: each conversion must be %d, %i, %u, %x or %X, optionally with an l or
 * ll before it (no width, flags or other conversions such as %p or %s), %% prints a %, and the number of conversions
 * must equal the number of arguments. The check is folded at compile time for a format whose size is a constant (what
 * bpf_printk passes); more than 3 arguments do not compile, as on Windows. Output: /sys/kernel/tracing/trace_pipe.
 *
 * bpf_printk and the EBPF_* macros below are token for token eBPF for Windows' own, so a program that defines them
 * again with that text compiles without a redefinition warning.
 */
/* Conversions of the format fmt of fmt_size bytes (with its NUL), or -1 when it is not a format Windows prints. A
 * macro, so that its loop has a constant trip count where bpf_printk uses it (sizeof of the format): clang unrolls it
 * and folds the steps over the format's known bytes to a constant, and the verifier sees no loop and no check. One step
 * per byte, no early exit. States: 0 text, 1 after %, 2 after %l, 3 after %ll, 4 refused. */
#define winbpf_printk_conversions(fmt, fmt_size)                                                                       \
    ({                                                                                                                 \
        const char *winbpf_fmt_ = (fmt);                                                                               \
        long winbpf_conversions_ = 0;                                                                                  \
        int winbpf_state_ = 0;                                                                                         \
        _Pragma("unroll") for (__u32 winbpf_i_ = 0; winbpf_i_ + 1 < (fmt_size); winbpf_i_++)                           \
        {                                                                                                              \
            const char c_ = winbpf_fmt_[winbpf_i_];                                                                    \
            if (winbpf_state_ == 0) {                                                                                  \
                if (c_ == '%')                                                                                         \
                    winbpf_state_ = 1;                                                                                 \
            } else if (winbpf_state_ == 1 && c_ == '%') {                                                              \
                winbpf_state_ = 0;                                                                                     \
            } else if ((winbpf_state_ == 1 || winbpf_state_ == 2) && c_ == 'l') {                                      \
                winbpf_state_++;                                                                                       \
            } else if (winbpf_state_ != 4 && (c_ == 'd' || c_ == 'i' || c_ == 'u' || c_ == 'x' || c_ == 'X')) {        \
                winbpf_conversions_++;                                                                                 \
                winbpf_state_ = 0;                                                                                     \
            } else {                                                                                                   \
                winbpf_state_ = 4;                                                                                     \
            }                                                                                                          \
        }                                                                                                              \
        winbpf_state_ == 0 ? winbpf_conversions_ : -1L; /* -1 also for a % at the end */                               \
    })

#define WINBPF_PRINTK(fmt, fmt_size, count, ...)                                                                       \
    (winbpf_printk_conversions((fmt), (fmt_size)) == (count) ? (bpf_trace_printk)((fmt), (fmt_size), ##__VA_ARGS__)    \
                                                             : -1L)
#define bpf_trace_printk2(fmt, fmt_size) WINBPF_PRINTK((fmt), (fmt_size), 0)
#define bpf_trace_printk3(fmt, fmt_size, arg3) WINBPF_PRINTK((fmt), (fmt_size), 1, (__u64)(arg3))
#define bpf_trace_printk4(fmt, fmt_size, arg3, arg4) WINBPF_PRINTK((fmt), (fmt_size), 2, (__u64)(arg3), (__u64)(arg4))
#define bpf_trace_printk5(fmt, fmt_size, arg3, arg4, arg5)                                                             \
    WINBPF_PRINTK((fmt), (fmt_size), 3, (__u64)(arg3), (__u64)(arg4), (__u64)(arg5))

// clang-format off
#define EBPF_CONCATENATE(X, Y) X##Y
#define EBPF_MAKE_HELPER_NAME(PREFIX, ARG_COUNT) EBPF_CONCATENATE(PREFIX, ARG_COUNT)
#define EBPF_GET_NTH_ARG(_1, _2, _3, _4, _5, N, ...) N
#define EBPF_COUNT_VA_ARGS(...) EBPF_GET_NTH_ARG(__VA_ARGS__, 5, 4, 3, 2, 1)
#define EBPF_VA_ARGS_HELPER(PREFIX, ...) EBPF_MAKE_HELPER_NAME(PREFIX, EBPF_COUNT_VA_ARGS(__VA_ARGS__))(__VA_ARGS__)
#undef bpf_printk
#define bpf_printk(fmt, ...) \
    ({ \
        char ____fmt[] = fmt; \
        EBPF_VA_ARGS_HELPER(bpf_trace_printk, ____fmt, sizeof(____fmt), ##__VA_ARGS__); \
    })
// clang-format on

/* Milliseconds since boot, excluding suspend (CLOCK_MONOTONIC). */
static __always_inline __u64 bpf_ktime_get_ms(void)
{
    return bpf_ktime_get_ns() / 1000000;
}

/* Milliseconds since boot, including suspend (CLOCK_BOOTTIME). */
static __always_inline __u64 bpf_ktime_get_boot_ms(void)
{
    return bpf_ktime_get_boot_ns() / 1000000;
}

/* The socket owner a hook's entry program set for its handler's run (struct winbpf_owner), or NULL: the helpers below
 * then describe the current task. */
static __always_inline const struct winbpf_owner *winbpf_owner_override(void)
{
    struct winbpf_scratch *s = winbpf_scratch_get();
    return s && s->owner.valid ? &s->owner : NULL;
}

/* The winbpf_current_task_* readers below load the task's fields directly (winbpf_kread: bpf_rdonly_cast, 6.2+)
 * rather than by bpf_probe_read_kernel, a helper call per field. Each helper that reports the socket owner leaves a
 * WINBPF_USES mark (owner_<field>): cgroup/sock_create records for every socket only the fields an object's code asks
 * for (winbpf/socket_owner.h). */

/* bpf_get_current_pid_tgid(): the current task's tgid << 32 | pid, or the socket owner's where the hook runs outside
 * the process (winbpf_owner_override). Read from the task (bpf_get_current_task_btf), not with the helper: before
 * 6.10 Linux refuses bpf_get_current_pid_tgid to cgroup_skb programs (sock_addr's recv_accept), and a handler is
 * verified as a whole in each entry program it is inlined into. */
static __always_inline __u64 winbpf_current_task_pid_tgid(void)
{
    __u64 task = (__u64)bpf_get_current_task_btf();
    return ((__u64)winbpf_kread(task, struct task_struct, tgid) << 32) |
           (__u32)winbpf_kread(task, struct task_struct, pid);
}
static __always_inline __u64 winbpf_get_current_pid_tgid(void)
{
    WINBPF_USES(owner_pid_tgid); /* the socket owner's record then holds it */
    const struct winbpf_owner *owner = winbpf_owner_override();
    return owner ? owner->pid_tgid : winbpf_current_task_pid_tgid();
}
#define bpf_get_current_pid_tgid() winbpf_get_current_pid_tgid()

/*
 * 64-bit logon session id of the caller. Linux: the audit session id of the current task (task_struct.sessionid,
 * set by pam_loginuid at login); 0 when the kernel has no audit sessions or the task has none.
 */
static __always_inline __u64 winbpf_current_task_logon_id(void)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (!bpf_core_field_exists(task->sessionid))
        return 0;
    __u32 session = winbpf_kread((__u64)task, struct task_struct, sessionid);
    return session == (__u32)-1 ? 0 : session;
}
static __always_inline __u64 winbpf_get_current_logon_id(void)
{
    WINBPF_USES(owner_logon_id);
    const struct winbpf_owner *owner = winbpf_owner_override();
    return owner ? owner->logon_id : winbpf_current_task_logon_id();
}
#define bpf_get_current_logon_id(ctx) winbpf_get_current_logon_id()

/*
 * 1 if the caller is an administrator, 0 if not. Linux: effective uid 0 or CAP_SYS_ADMIN in the effective set.
 */
/* struct cred of kernels before 6.3, whose kernel_cap_t is __u32 cap[2] (CO-RE flavor: matched to struct cred). */
struct winbpf_kernel_cap_u32 {
    __u32 cap[2];
};
struct cred___winbpf_cap_u32 {
    struct winbpf_kernel_cap_u32 cap_effective;
};

static __always_inline int winbpf_current_task_is_admin(void)
{
    __u64 task = (__u64)bpf_get_current_task_btf();
    const struct cred *cred = (const struct cred *)winbpf_kread(task, struct task_struct, cred);
    if (winbpf_kread((__u64)cred, struct cred, euid.val) == 0)
        return 1;
    __u64 effective;
    if (bpf_core_field_exists(cred->cap_effective.val))
        effective = winbpf_kread((__u64)cred, struct cred, cap_effective.val);
    else /* CAP_SYS_ADMIN is in the first word */
        effective = BPF_CORE_READ((const struct cred___winbpf_cap_u32 *)cred, cap_effective.cap[0]);
    return (effective >> 21 /* CAP_SYS_ADMIN */) & 1;
}
static __always_inline int winbpf_is_current_admin(void)
{
    WINBPF_USES(owner_is_admin);
    const struct winbpf_owner *owner = winbpf_owner_override();
    return owner ? owner->is_admin : winbpf_current_task_is_admin();
}
#define bpf_is_current_admin(ctx) winbpf_is_current_admin()

/*
 * 64-bit key unique to the current process incarnation: the process start time (CLOCK_BOOTTIME, 10 us units)
 * in the upper 42 bits and the tgid in the lower 22 bits (PID_MAX_LIMIT is 2^22). A tgid cannot be reused
 * within 10 us, so keys differ for every process started in the first 1.39 years of uptime; afterwards the
 * time part wraps.
 */
static __always_inline __u64 winbpf_current_task_process_start_key(void)
{
    __u64 task = (__u64)bpf_get_current_task_btf();
    __u64 leader = (__u64)winbpf_kread(task, struct task_struct, group_leader);
    __u64 start = winbpf_kread(leader, struct task_struct, start_boottime) / 10000;
    return (start << 22) | ((__u64)winbpf_kread(task, struct task_struct, tgid) & ((1u << 22) - 1));
}
static __always_inline __u64 bpf_get_current_process_start_key(void)
{
    WINBPF_USES(owner_process_start_key);
    const struct winbpf_owner *owner = winbpf_owner_override();
    return owner ? owner->process_start_key : winbpf_current_task_process_start_key();
}

/* FILETIME of the current thread's creation (task_struct.start_boottime converted to wall clock). */
static __always_inline __u64 winbpf_current_task_thread_create_time(void)
{
    __u64 task = (__u64)bpf_get_current_task_btf();
    return winbpf_boottime_to_filetime(winbpf_kread(task, struct task_struct, start_boottime));
}
static __always_inline __u64 bpf_get_current_thread_create_time(void)
{
    WINBPF_USES(owner_thread_create_time);
    const struct winbpf_owner *owner = winbpf_owner_override();
    return owner ? owner->thread_create_time : winbpf_current_task_thread_create_time();
}

/*
 * bpf_tail_call(ctx, &prog_array, index) from a hook handler, ctx being the Windows context. A handler becomes several
 * Linux programs (one per event: bind4, bind6, post_bind4, ...), and a Linux program array holds programs of one
 * type called with the Linux context. So each hook that supports tail calls has one program array per event
 * (WINBPF_TAIL_MAP_PREFIX "<hook>_<event>", WINBPF_TAIL_SLOTS slots) and its entries put theirs in the hidden context:
 * the call continues in the same event's entry of the handler at index, which builds its own Windows context from the
 * Linux one. The loader fills those arrays (winbpf::Object::set_tail_call, by the program fd of a handler) along with
 * the program's own array, which the call names but which is not used otherwise: one program array per hook.
 * As on Windows, a call that fails returns and the handler goes on; its return value is eBPF for Windows':
 * -EBPF_INVALID_ARGUMENT (-6) for an empty slot, -EBPF_NO_MORE_TAIL_CALLS (-27) once the chain has made
 * WINBPF_TAIL_CALL_LIMIT calls (Windows' MAX_TAIL_CALL_CNT 33 counts the first program: the 33rd call fails). Linux
 * leaves R0 unreadable after a failed bpf_tail_call and allows 33 calls; each handler's call is one Linux tail call
 * (entry program to entry program), so the shim counts the chain's depth itself (struct winbpf_tail_pending).
 * Hooks whose events cannot share such arrays refuse bpf_tail_call at compile time (winbpf_tail_call_<hook>, declared
 * with an error attribute in the hook's header). Other pointers (Linux programs) get the Linux helper.
 */
#define WINBPF_TAIL_CALL_LIMIT 32      /* successful tail calls of one chain: MAX_TAIL_CALL_CNT - 1 (Windows) */
#define WINBPF_EBPF_INVALID_ARGUMENT 6 /* ebpf_result_t values of eBPF for Windows */
#define WINBPF_EBPF_NO_MORE_TAIL_CALLS 27
static __always_inline long winbpf_tail_call_hidden(void *windows_ctx, __u32 index)
{
    struct winbpf_hidden *hidden = WINBPF_HIDDEN(windows_ctx);
    struct winbpf_scratch *s = hidden->scratch;
    if (!hidden->tail_calls || !s)
        return -WINBPF_EBPF_INVALID_ARGUMENT;
    if (hidden->tail_depth >= WINBPF_TAIL_CALL_LIMIT)
        return -WINBPF_EBPF_NO_MORE_TAIL_CALLS;
    s->tail.linux_ctx = (__u64)hidden->linux_ctx;
    s->tail.depth = hidden->tail_depth + 1;
    (bpf_tail_call)(hidden->linux_ctx, hidden->tail_calls, index);
    /* Returned: the slot is empty (R0 is not read: Linux leaves it undefined). */
    s->tail.linux_ctx = 0;
    return -WINBPF_EBPF_INVALID_ARGUMENT;
}

/* One per row of winbpf/hooks.h. A hook that supports tail calls defines it (always inline) in its header; in the
 * others a call is a compile-time error naming bpf_tail_call. Marked unused: a declaration no program calls is
 * no -Wunused-function warning. */
#define WINBPF_DECLARE_TAIL_CALL(name, context, header, object_macro, entry_macro)                                     \
    __attribute__((unused, error("winbpf: bpf_tail_call is not supported in " #name " handlers: the hook's Linux "     \
                                 "programs cannot share a program array (see its header); call the other handler as "  \
                                 "a function"))) static long winbpf_tail_call_##name(struct context *ctx,              \
                                                                                     void *prog_array, __u32 index);
WINBPF_HOOKS(WINBPF_DECLARE_TAIL_CALL, WINBPF_NO_CONTEXT)

/* A Linux program's tail call (its context is the Linux one). */
static __always_inline long winbpf_linux_tail_call(void *ctx, void *prog_array, __u32 index)
{
    return (bpf_tail_call)(ctx, prog_array, index);
}

#define WINBPF_TAIL_CALL_CASE(name, context, header, object_macro, entry_macro)                                        \
    struct context * : winbpf_tail_call_##name,

#define bpf_tail_call(ctx, prog_array, index)                                                                          \
    _Generic((ctx), WINBPF_HOOKS(WINBPF_TAIL_CALL_CASE, WINBPF_NO_CONTEXT) default                                     \
             : winbpf_linux_tail_call)((ctx), (prog_array), (index))
