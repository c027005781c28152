/* SPDX-License-Identifier: MIT */
/*
 * Shared by the tests/compat programs and their tests: every program acts only for the process whose tgid the test
 * writes into its target map (ARRAY, 1 entry, uint64_t key as Windows programs often declare it), so processes of
 * the machine other than the test's own never count.
 */
#pragma once

#ifndef __bpf__
#include <stdint.h>
#endif

#define COMPAT_BIG_VALUE 65520 /* the per-CPU scratch value of ntosebpfext's process monitor sample */

/* Value of array_key64's counters map: what the program saw, per slot. */
struct compat_slot {
    uint64_t hits;       /* times the program looked this slot up */
    uint64_t process_id; /* last process that did */
};

/* Value of big_percpu's results[0]. */
struct compat_big_result {
    uint64_t runs;           /* CREATEs of the target seen */
    uint64_t cpu;            /* CPU of the last run */
    int64_t memset_first;    /* first byte of the scratch value after memset(.., 0x00, 65520) then the fill */
    uint64_t filled_bytes;   /* bytes of the scratch value equal to the fill pattern, counted by the program */
    int64_t memcpy_result;   /* memcpy(copy, scratch, 65520) via bpf_memcpy_s: 0 */
    uint64_t same_pointer;   /* a second lookup of the same key on the same CPU gave the same value */
};
