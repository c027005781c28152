/* SPDX-License-Identifier: MIT */
/*
 * What a program gets from eBPF for Windows' ebpf_structs.h (which its bpf_helpers.h includes), on Linux: the
 * constants and types a BPF program uses. Values are Windows' where a program can see them (MAX_TAIL_CALL_CNT is the
 * tail-call limit Windows documents; the perf_event_output flags equal Linux's BPF_F_INDEX_MASK and BPF_F_CTX_LEN_MASK
 * bit for bit). Map types, program types and attach types keep Linux's names and numbers (docs/compatibility.md: winbpf
 * compiles from source). Included by bpf_helpers.h.
 */
#pragma once

/* Most tail calls one event runs through, as eBPF for Windows documents it (Linux's own limit is the same, 33). */
#define MAX_TAIL_CALL_CNT 33

#define BPF_ENUM_TO_STRING(X) #X

/* Whether a map type keeps one value per CPU. */
#define BPF_MAP_TYPE_PER_CPU(X)                                                                                        \
    ((X) == BPF_MAP_TYPE_PERCPU_HASH || (X) == BPF_MAP_TYPE_PERCPU_ARRAY || (X) == BPF_MAP_TYPE_LRU_PERCPU_HASH)

/* Map update options (bpf_map_update_elem's flags): BPF_ANY, BPF_NOEXIST, BPF_EXIST under Windows' names. */
typedef enum ebpf_map_option {
    EBPF_ANY,
    EBPF_NOEXIST,
    EBPF_EXIST,
} ebpf_map_option_t;

/* Kernel object ids (Linux's are 32-bit too). */
typedef unsigned int ebpf_id_t;
#define EBPF_ID_NONE 0xffffffffU

/* bpf_perf_event_output's flags: the CPU index (EBPF_MAP_FLAG_CURRENT_CPU: this CPU's buffer) in the low 32 bits,
 * and for hooks whose context has data, the number of context data bytes to append to the record in bits 32-51. */
#define EBPF_MAP_FLAG_INDEX_MASK 0xffffffffULL
#define EBPF_MAP_FLAG_INDEX_SHIFT 0
#define EBPF_MAP_FLAG_CURRENT_CPU EBPF_MAP_FLAG_INDEX_MASK
#define EBPF_MAP_FLAG_CTX_LENGTH_SHIFT 32
#define EBPF_MAP_FLAG_CTX_LENGTH_MAX (0xfffffULL)
#define EBPF_MAP_FLAG_CTX_LENGTH_MASK (EBPF_MAP_FLAG_CTX_LENGTH_MAX << EBPF_MAP_FLAG_CTX_LENGTH_SHIFT)
