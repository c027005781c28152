/* SPDX-License-Identifier: MIT */
/*
 * BPF-side internals shared by every winbpf hook: the per-object shim maps, the hidden part of each hook context,
 * wall-clock conversion to FILETIME, and loss accounting for ring buffers.
 */
#pragma once

/* Linux's enum xdp_action constants get WINBPF_LINUX_ names: xdp_hooks.h declares Windows' XDP_PASS, XDP_DROP and
 * XDP_TX, whose values differ (docs/hooks/xdp.md). */
#define XDP_ABORTED WINBPF_LINUX_XDP_ABORTED
#define XDP_DROP WINBPF_LINUX_XDP_DROP
#define XDP_PASS WINBPF_LINUX_XDP_PASS
#define XDP_TX WINBPF_LINUX_XDP_TX
#define XDP_REDIRECT WINBPF_LINUX_XDP_REDIRECT
#include "vmlinux.h"
#undef XDP_ABORTED
#undef XDP_DROP
#undef XDP_PASS
#undef XDP_TX
#undef XDP_REDIRECT
#include "winbpf/license.h" /* before libbpf's helper definitions */
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "winbpf/gpl_only_helpers.h" /* after them */

#include "winbpf/abi.h"

#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef ERANGE
#define ERANGE 34
#endif
/* Linux's numbers (vmlinux.h has no macros); the Windows ones of the contexts are the hook headers'. */
#define WINBPF_LINUX_AF_INET 2
#define WINBPF_LINUX_AF_INET6 10
#define WINBPF_IPPROTO_TCP 6

/*
 * WINBPF_USES(feature): records that the code calling it (a shim helper inlined into a handler) needs glue that a
 * hook's glue header adds only on request. It leaves a byte in section ".winbpf.uses.<feature>" of the object compiled
 * from the user's source; winbpf-glue reads these sections from the pass-1 object (Makefile.bpf) or from the one-pass
 * object it completes (and leaves them out of the completed object), and defines WINBPF_USES_<feature> before the glue
 * header. Pass 2 leaves no mark: its glue is decided.
 */
#if defined(WINBPF_PASS) && WINBPF_PASS == 2
#define WINBPF_USES(feature) ((void)0)
#else
#define WINBPF_USES(feature)                                                                                           \
    ({                                                                                                                 \
        static const char winbpf_uses_##feature __attribute__((section(".winbpf.uses." #feature), used)) = 1;          \
        (void)winbpf_uses_##feature;                                                                                   \
    })
#endif

#ifndef EFAULT
#define EFAULT 14
#endif
#ifndef E2BIG
#define E2BIG 7
#endif

/* Per-CPU scratch layout (one value of winbpf_scratch per CPU). Sizes in bytes. */
#define WINBPF_ARGV_MAX 32768      /* argv bytes read per command line (the documented cap) */
#define WINBPF_CMD_REGION 65536    /* UTF-16LE command line; raw argv is read into its upper half */
#define WINBPF_PATH_MAX 4096       /* UTF-8 bytes of a path built from dentries */
#define WINBPF_TEXT_REGION 8192    /* UTF-16LE image path / names; raw UTF-8 is built in its upper half */
#define WINBPF_BOUNCE_REGION 65536 /* bounce buffer for memmove_s, strncat_s, memset with a non-zero value */
#define WINBPF_SLACK 512           /* room after each region so masked offsets + access size stay inside */

/*
 * State carried across bpf_loop steps. It lives in the map value, not on the stack: the verifier then sees it as
 * unknown scalars and the callback's states converge (stack constants would be tracked precisely per step).
 */
struct winbpf_loop_state {
    __u32 in;         /* next input byte (region offset) */
    __u32 in_end;     /* end of input (region offset) */
    __u32 out;        /* next output byte (region offset) */
    __u64 dentry;     /* path walk: struct dentry * being named */
    __u64 vfsmnt;     /* path walk: struct vfsmount * it belongs to */
    __u32 pos;        /* path walk: start of the path built so far (right to left) */
    __u32 truncated;  /* path walk: how it ended (WINBPF_PATH_AT_ROOT, _CUT, _ESCAPED in task_strings.h) */
    __u32 text_start; /* offset in text of the last UTF-16LE string built there */
    __u32 result;     /* byte length of a string built inside a bpf_loop step (winbpf_image_path) */
};

/* struct winbpf_owner (the socket owner the helpers report where a hook runs outside its process) is in winbpf/abi.h:
 * the tests read the socket owner's record. */

/*
 * A tail call in flight (bpf_tail_call of a hook handler, winbpf/general_helpers.h): the caller writes the Linux
 * context it passes and the chain's depth after the call; the entry program it reaches takes them
 * (winbpf_tail_depth_take) and clears them. A tail call runs on the CPU of its caller, with the same Linux context.
 */
struct winbpf_tail_pending {
    __u64 linux_ctx; /* the Linux context of the call in flight; 0: none */
    __u32 depth;     /* tail calls made in the chain once the call succeeds */
    __u32 reserved;
};

struct winbpf_scratch {
    struct winbpf_loop_state loop;
    struct winbpf_tail_pending tail; /* a tail call in flight on this CPU */
    __u64 ringbuf_unchecked;   /* bytes this CPU wrote with wake-up batching since it last checked a ring's fill */
    struct winbpf_owner owner; /* the socket owner the helpers report during a handler run outside its process */
    __u8 cmd[WINBPF_CMD_REGION + WINBPF_SLACK];
    __u8 text[WINBPF_TEXT_REGION + WINBPF_SLACK];
    __u8 bounce[WINBPF_BOUNCE_REGION + WINBPF_SLACK];
};

/*
 * The shim's own maps (these and the process hook's): weak in the glue that winbpf-glue --plain writes for an object
 * built by plain clang, whose own object defines them too (the BPF linker keeps the object's).
 */
#ifdef WINBPF_PLAIN_GLUE
#define WINBPF_SHIM_MAP __attribute__((weak))
#else
#define WINBPF_SHIM_MAP
#endif

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, WINBPF_SCRATCH_DEFAULT_CPUS);
    __type(key, __u32);
    __type(value, struct winbpf_scratch);
} winbpf_scratch SEC(".maps") WINBPF_SHIM_MAP;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct winbpf_config);
} winbpf_config SEC(".maps") WINBPF_SHIM_MAP;

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} winbpf_lost SEC(".maps") WINBPF_SHIM_MAP;

/* Loader-written verification time of each program (winbpf/abi.h WINBPF_MAP_VERIFICATION); sized by the loader. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct winbpf_verification);
} winbpf_verify SEC(".maps") WINBPF_SHIM_MAP;

/*
 * Hidden state placed directly before every Windows context on the entry program's stack, so a helper that gets
 * the Windows context (process_md_t *, ...) finds the Linux side of the event.
 */
struct winbpf_hidden {
    void *linux_ctx;                /* the Linux program's context (tp_btf argument array) */
    struct task_struct *task;       /* task the event is about (current for process events) */
    struct winbpf_scratch *scratch; /* this CPU's scratch, looked up once per event by the entry program */
    void *tail_calls;               /* program array of this entry's event for bpf_tail_call (hooks that have one) */
    __u64 argv_size;                /* process CREATE: bytes of the new image's argv (arg_end - arg_start); the
                                       command line holds at most WINBPF_ARGV_MAX of them. 0 otherwise */
    __u64 tail_depth;               /* tail calls that led to this entry program's run (0: the hook ran it) */
};

#define WINBPF_HIDDEN(ctx) ((struct winbpf_hidden *)((char *)(ctx) - sizeof(struct winbpf_hidden)))

static __always_inline struct winbpf_scratch *winbpf_scratch_get(void);
static __always_inline void winbpf_count_lost(void);

/* The depth of the tail call chain that reached an entry program with linux_ctx: the depth its caller wrote when it
 * made the call (s->tail), else 0 (the hook ran the entry). Clears the call in flight. */
static __always_inline __u64 winbpf_tail_depth_take(struct winbpf_scratch *s, void *linux_ctx)
{
    __u64 depth = s->tail.linux_ctx == (__u64)linux_ctx ? s->tail.depth : 0;
    s->tail.linux_ctx = 0;
    return depth;
}

/* Starts an entry program's Windows context: zeroes the size bytes at wrapper (the hidden part and the context
 * after it), then fills the hidden part for the current task. Returns this CPU's scratch, or NULL when it is missing
 * (the caller skips the event, which is counted as lost). */
static __always_inline struct winbpf_scratch *winbpf_context_start(void *wrapper, __u64 size, void *linux_ctx,
                                                                   void *tail_calls)
{
    struct winbpf_scratch *s = winbpf_scratch_get();
    if (!s) {
        winbpf_count_lost();
        return NULL;
    }
    __builtin_memset(wrapper, 0, size);
    struct winbpf_hidden *hidden = (struct winbpf_hidden *)wrapper;
    hidden->linux_ctx = linux_ctx;
    hidden->task = bpf_get_current_task_btf();
    hidden->scratch = s;
    hidden->tail_calls = tail_calls;
    hidden->tail_depth = winbpf_tail_depth_take(s, linux_ctx);
    return s;
}

/*
 * bpf_rdonly_cast (kernel 6.2+): read-only typed view of a kernel pointer held as an integer, so fields are read
 * with direct loads instead of one bpf_probe_read_kernel call each. Weak: on older kernels libbpf leaves the call
 * unresolved, which the verifier accepts in dead code (5.16+), so every use sits behind winbpf_have_rdonly_cast().
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define winbpf_cast(ptr, type) ((type *)bpf_rdonly_cast((const void *)(ptr), bpf_core_type_id_kernel(type)))

/* enum bpf_func_id of kernels with BPF_FUNC_cgrp_storage_get (6.2+, the release that added bpf_rdonly_cast); a
 * local flavor so the shim builds against any vmlinux.h (CO-RE matches the kernel's enum by name). */
enum bpf_func_id___winbpf { BPF_FUNC_cgrp_storage_get___winbpf = 0 };

/* True on kernels with bpf_rdonly_cast (6.2+). A CO-RE constant set by libbpf at load from the running kernel's BTF:
 * the verifier never visits the branch not taken (Linux 6.1 gets bpf_probe_read_kernel instead). False in the glue of
 * an object built by plain clang (WINBPF_PLAIN_GLUE), which reads with bpf_probe_read_kernel: libbpf's linker before
 * 1.5 refuses two objects that both call one kernel function ("failed to resolve size of underlying type"), and the
 * user's object calls bpf_rdonly_cast when its helpers read the task (bpf_get_current_pid_tgid, ...). */
#ifdef WINBPF_PLAIN_GLUE
#define winbpf_have_rdonly_cast() 0
#else
#define winbpf_have_rdonly_cast()                                                                                      \
    bpf_core_enum_value_exists(enum bpf_func_id___winbpf, BPF_FUNC_cgrp_storage_get___winbpf)
#endif

/* field of a kernel object at addr (a kernel pointer held as an integer): a direct load through bpf_rdonly_cast where
 * the kernel has it, else bpf_probe_read_kernel (CO-RE), chosen at load. */
#define winbpf_kread(addr, type, field)                                                                                \
    ({                                                                                                                 \
        __u64 winbpf_kread_addr_ = (addr); /* outside the CO-RE access chain: addr may read a local struct */          \
        winbpf_have_rdonly_cast() ? winbpf_cast(winbpf_kread_addr_, type)->field                                       \
                                  : BPF_CORE_READ((type *)winbpf_kread_addr_, field);                                  \
    })

/* Callback context of the shim's bpf_loop steps (the state itself is in s->loop). */
struct winbpf_loop_ctx {
    struct winbpf_scratch *s;
};

static __always_inline struct winbpf_scratch *winbpf_scratch_get(void)
{
    __u32 cpu = bpf_get_smp_processor_id();
    return bpf_map_lookup_elem(&winbpf_scratch, &cpu);
}

/* Count one record that could not be written to a ring buffer (reported by the loader: never silent). */
static __always_inline void winbpf_count_lost(void)
{
    __u32 zero = 0;
    __u64 *lost = bpf_map_lookup_elem(&winbpf_lost, &zero);
    if (lost)
        *lost += 1;
}

/* CLOCK_REALTIME - CLOCK_BOOTTIME in ns: the loader's value, else derived now from CLOCK_TAI. */
static __always_inline __s64 winbpf_realtime_minus_boottime(void)
{
    __u32 zero = 0;
    struct winbpf_config *config = bpf_map_lookup_elem(&winbpf_config, &zero);
    if (config && config->valid)
        return config->realtime_minus_boottime_ns;
    return (__s64)(bpf_ktime_get_tai_ns() - bpf_ktime_get_boot_ns());
}

#define WINBPF_FILETIME_UNIX_EPOCH 116444736000000000ULL /* 100 ns ticks from 1601-01-01 to 1970-01-01 */

/* FILETIME (100 ns ticks since 1601-01-01 UTC) of an instant given in CLOCK_BOOTTIME ns. */
static __always_inline __u64 winbpf_boottime_to_filetime(__u64 boot_ns)
{
    return (boot_ns + winbpf_realtime_minus_boottime()) / 100 + WINBPF_FILETIME_UNIX_EPOCH;
}

/* FILETIME of now. */
static __always_inline __u64 winbpf_filetime_now(void)
{
    return winbpf_boottime_to_filetime(bpf_ktime_get_boot_ns());
}
