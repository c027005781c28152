/* SPDX-License-Identifier: MIT */
/*
 * Programs whose SEC("license") Linux does not treat as GPL-compatible (WINBPF_LICENSE_NOT_GPL, the license as a
 * string, defined by winbpf-glue in the pass-2 source). The kernel refuses GPL-only helpers, kfuncs and BTF access to
 * kernel structures to such a program at load; winbpf says so at compile time instead:
 *
 *   - included before libbpf's helper definitions (winbpf/common.h), this header renames libbpf's GPL-only helper
 *     pointers; winbpf/gpl_only_helpers.h, included after them, declares those names as functions with clang's
 *     error attribute, so a program (or a shim helper it uses) that still calls one after optimisation fails to
 *     compile with a message naming the helper and the license. Shim helpers a program does not use cost nothing.
 *   - WINBPF_REQUIRE_GPL(hook, why) in a hook's glue header: the hook's glue itself needs GPL-only facilities, so a
 *     handler of that hook fails to compile whatever it calls.
 *
 * GPL-only here (kernel 6.x, gpl_only = true): bpf_probe_read{,_str}, bpf_probe_read_kernel{,_str},
 * bpf_probe_read_user{,_str}, bpf_get_current_task{,_btf}, bpf_perf_event_output, bpf_trace_printk,
 * bpf_trace_vprintk. A non-GPL program loses with them the Windows helpers built on bpf_probe_read_kernel
 * (bpf_memcpy_s, bpf_memmove_s, bpf_memcmp_s, bpf_memset, the bpf_str*_s helpers, memcpy/memset of a size the compiler
 * cannot see), bpf_get_current_logon_id, bpf_is_current_admin, bpf_perf_event_output and bpf_printk.
 */
#pragma once

#ifdef WINBPF_LICENSE_NOT_GPL

#define WINBPF_GPL_ONLY_MESSAGE(helper)                                                                                \
    helper " is a GPL-only kernel helper and SEC(\"license\") is \"" WINBPF_LICENSE_NOT_GPL                            \
           "\", which Linux does not treat as GPL-compatible: declare no license (winbpf then declares \"GPL\") or a " \
           "GPL-compatible one such as \"Dual MIT/GPL\", or do without it (winbpf/license.h lists the Windows "        \
           "helpers built on it)"

/* Before libbpf's bpf_helper_defs.h: its function pointers get other names (unused). */
#define bpf_probe_read winbpf_libbpf_probe_read
#define bpf_probe_read_str winbpf_libbpf_probe_read_str
#define bpf_probe_read_kernel winbpf_libbpf_probe_read_kernel
#define bpf_probe_read_kernel_str winbpf_libbpf_probe_read_kernel_str
#define bpf_probe_read_user winbpf_libbpf_probe_read_user
#define bpf_probe_read_user_str winbpf_libbpf_probe_read_user_str
#define bpf_get_current_task winbpf_libbpf_get_current_task
#define bpf_get_current_task_btf winbpf_libbpf_get_current_task_btf
#define bpf_perf_event_output winbpf_libbpf_perf_event_output
#define bpf_trace_printk winbpf_libbpf_trace_printk
#define bpf_trace_vprintk winbpf_libbpf_trace_vprintk

#define WINBPF_REQUIRE_GPL(hook, why)                                                                                  \
    _Static_assert(0, "SEC('license') is '" WINBPF_LICENSE_NOT_GPL "', which Linux does not treat as GPL-compatible, " \
                      "and winbpf's glue of the '" hook "' hook needs GPL-only kernel helpers (" why "), which the "   \
                      "kernel refuses to a non-GPL program: declare no license (winbpf then declares 'GPL') or a "     \
                      "GPL-compatible one such as 'Dual MIT/GPL'")

#else

#define WINBPF_REQUIRE_GPL(hook, why) _Static_assert(1, hook)

#endif
