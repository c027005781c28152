/* SPDX-License-Identifier: MIT */
/*
 * Shared between tests/bpf/process_recorder.c (BPF) and the process-hook tests (C++): the recorder's config map
 * value and its ring buffer record. Every field is naturally aligned; strings are UTF-16LE bytes, no NUL.
 */
#pragma once

#ifndef __bpf__
#include <stdint.h>
#endif

/* Which events the recorder reports: those with parent_process_id == watch_parent. */
struct recorder_config {
    uint32_t watch_parent; /* tgid of the test process (0: none) */
    uint32_t reserved;
};

#define RECORD_COMMAND_MAX 16384 /* bytes of command line kept (8192 UTF-16 units) */
#define RECORD_IMAGE_MAX 8192    /* buffer passed to bpf_process_get_image_path (the longest path) */
#define RECORD_ACCOUNT_MAX 256   /* buffer passed to the account name and domain helpers */

struct process_record {
    /* process_md_t, every field */
    uint64_t command_size; /* command_end - command_start */
    uint64_t process_id;
    uint64_t parent_process_id;
    uint64_t creating_process_id;
    uint64_t creating_thread_id;
    uint64_t creation_time;
    uint64_t exit_time;
    uint32_t process_exit_code;
    uint32_t operation;
    uint32_t token_sid_size;
    uint8_t token_sid[68];
    /* return codes: memcpy_s of the command line, and the three process helpers */
    int32_t command_result;
    int32_t image_path_result;
    int32_t account_name_result;
    int32_t account_domain_result;
    uint32_t command_copied;    /* bytes of command_line filled (command_size capped at RECORD_COMMAND_MAX) */
    uint32_t command_truncated; /* winbpf_process_command_line_truncated(ctx) */
    uint8_t command_line[RECORD_COMMAND_MAX];
    uint8_t image_path[RECORD_IMAGE_MAX];
    uint8_t account_name[RECORD_ACCOUNT_MAX];
    uint8_t account_domain[RECORD_ACCOUNT_MAX];
};

#ifdef __cplusplus
#define PROCESS_RECORD_STATIC_ASSERT static_assert
#else
#define PROCESS_RECORD_STATIC_ASSERT _Static_assert
#endif
PROCESS_RECORD_STATIC_ASSERT(sizeof(struct process_record) ==
                                 160 + RECORD_COMMAND_MAX + RECORD_IMAGE_MAX + 2 * RECORD_ACCOUNT_MAX,
                             "process_record layout");
