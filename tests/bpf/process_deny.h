/* SPDX-License-Identifier: MIT */
/* Shared between tests/bpf/process_deny.c (BPF) and the deny test (C++): the configured image path and counters. */
#pragma once

#ifndef __bpf__
#include <stdint.h>
#endif

#define DENY_PATH_MAX 2048 /* bytes of UTF-16LE path */

/* Value of deny_config[0]: the image path (UTF-16LE, no NUL) whose processes are denied. */
struct deny_config {
    uint32_t path_size; /* bytes used in path; 0 denies nothing */
    uint32_t reserved;
    uint8_t path[DENY_PATH_MAX];
};

/* Value of deny_stats[0]. */
struct deny_stats {
    uint64_t denied;    /* CREATEs of the configured image (denied) */
    uint64_t permitted; /* other CREATEs */
};
