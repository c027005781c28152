/* SPDX-License-Identifier: MIT */
/*
 * winbpf's bpf_helpers.h: what an eBPF-for-Windows program gets from its bpf_helpers.h, on Linux.
 *
 * - Linux helpers keep their names and signatures (libbpf's declarations); map types are Linux's.
 * - Windows-only helpers (bpf_memcpy_s, bpf_strncpy_s, bpf_get_current_logon_id, ...) are provided as inline
 *   functions over Linux helpers (docs/compatibility.md); memcpy/memset/memmove/memcmp map onto them.
 * - _WIN32 is defined (when not already), as eBPF for Windows' bpf_helpers.h does, so code written for both
 *   platforms compiles its Windows branch.
 * - Maps the loader adapts (8-byte array keys, per-CPU arrays with values over 32 KiB) keep their Windows meaning
 *   in the program through winbpf/map_helpers.h.
 * - SEC() is the two-pass form of winbpf/sec.h when compiled through Makefile.bpf.
 * - As eBPF for Windows' bpf_helpers.h, it brings in ebpf_structs.h (MAX_TAIL_CALL_CNT, EBPF_MAP_FLAG_*, ...) and
 *   ebpf_nethooks.h (bind_md_t, bpf_sock_addr_t and their constants).
 * - License: programs that have no SEC("license") get "GPL" from the glue, because the shim uses GPL-only
 *   helpers (bpf_probe_read_kernel, bpf_get_current_task_btf, kfuncs, bpf_printk). A program that declares a license
 *   the kernel does not treat as GPL-compatible fails at compile time (winbpf-glue names the license): it could not
 *   load on Linux.
 */
#pragma once

#include "ebpf_structs.h"
#include "winbpf/common.h"
#include "winbpf/general_helpers.h"
#include "winbpf/map_helpers.h"
#include "winbpf/mem_helpers.h"
#include "winbpf/sec.h"

#ifndef NULL
#define NULL ((void *)0)
#endif

/* As eBPF for Windows' bpf_helpers.h: programs written for both platforms take their Windows branch (#ifdef _WIN32).
 * Defined after the Linux headers above, which must keep their Linux branch. */
#ifndef _WIN32
#define _WIN32 1
#endif

/* As eBPF for Windows' bpf_helpers.h: the network hooks' contexts and constants come with it. */
#include "ebpf_nethooks.h"
