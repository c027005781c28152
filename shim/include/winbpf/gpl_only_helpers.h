/* SPDX-License-Identifier: MIT */
/*
 * Included by winbpf/common.h after libbpf's helper definitions: for a program whose license is not GPL-compatible
 * (WINBPF_LICENSE_NOT_GPL, see winbpf/license.h), the GPL-only helpers become declarations with clang's error
 * attribute, so a call that remains after optimisation fails the build naming the helper and the license.
 */
#pragma once

#ifdef WINBPF_LICENSE_NOT_GPL

#undef bpf_probe_read
#undef bpf_probe_read_str
#undef bpf_probe_read_kernel
#undef bpf_probe_read_kernel_str
#undef bpf_probe_read_user
#undef bpf_probe_read_user_str
#undef bpf_get_current_task
#undef bpf_get_current_task_btf
#undef bpf_perf_event_output
#undef bpf_trace_printk
#undef bpf_trace_vprintk

#define WINBPF_GPL_ONLY(ret, name, ...)                                                                                \
    extern ret name(__VA_ARGS__) __attribute__((error(WINBPF_GPL_ONLY_MESSAGE(#name))))

WINBPF_GPL_ONLY(long, bpf_probe_read, void *dst, __u32 size, const void *unsafe_ptr);
WINBPF_GPL_ONLY(long, bpf_probe_read_str, void *dst, __u32 size, const void *unsafe_ptr);
WINBPF_GPL_ONLY(long, bpf_probe_read_kernel, void *dst, __u32 size, const void *unsafe_ptr);
WINBPF_GPL_ONLY(long, bpf_probe_read_kernel_str, void *dst, __u32 size, const void *unsafe_ptr);
WINBPF_GPL_ONLY(long, bpf_probe_read_user, void *dst, __u32 size, const void *unsafe_ptr);
WINBPF_GPL_ONLY(long, bpf_probe_read_user_str, void *dst, __u32 size, const void *unsafe_ptr);
WINBPF_GPL_ONLY(__u64, bpf_get_current_task, void);
WINBPF_GPL_ONLY(struct task_struct *, bpf_get_current_task_btf, void);
WINBPF_GPL_ONLY(long, bpf_perf_event_output, void *ctx, void *map, __u64 flags, void *data, __u64 size);
WINBPF_GPL_ONLY(long, bpf_trace_printk, const char *fmt, __u32 fmt_size, ...);
WINBPF_GPL_ONLY(long, bpf_trace_vprintk, const char *fmt, __u32 fmt_size, const void *data, __u32 data_len);

#endif
