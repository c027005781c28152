/* SPDX-License-Identifier: MIT */
/*
 * winbpf's bpf_helpers.h: what an eBPF-for-Windows program gets from its bpf_helpers.h, on Linux.
 *
 * - Linux helpers keep their names and signatures (libbpf's declarations); map types are Linux's.
 * - Windows-only helpers (bpf_memcpy_s, bpf_strncpy_s, bpf_get_current_logon_id, ...) are provided as inline
 *   functions over Linux helpers (CONTRACT §2); memcpy/memset/memmove/memcmp map onto them.
 * - SEC() is the two-pass form of winbpf/sec.h when compiled through Makefile.bpf.
 * - License: programs that have no SEC("license") get "GPL" from the glue, because the shim uses GPL-only
 *   helpers (bpf_probe_read_kernel, bpf_send_signal, bpf_printk). A program that declares another license keeps
 *   it; such a program fails to load where it reaches a GPL-only helper.
 */
#pragma once

#include "winbpf/common.h"
#include "winbpf/general_helpers.h"
#include "winbpf/mem_helpers.h"
#include "winbpf/sec.h"

#ifndef NULL
#define NULL ((void *)0)
#endif
