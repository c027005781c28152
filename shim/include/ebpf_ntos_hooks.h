/* SPDX-License-Identifier: MIT */
/*
 * The ntosebpfext `process` hook (docs/hooks/process.md), on Linux.
 *
 * CREATE: every successful exec (tp_btf/sched_process_exec). DELETE: exit of the whole thread group
 * (tp_btf/sched_process_exit with group_dead). A CREATE handler that returns a negative value (a failure
 * NTSTATUS such as STATUS_ACCESS_DENIED 0xC0000022) denies the process: it is killed with SIGKILL before it
 * runs one instruction of the new image (BPF LSM enforcement is not available to winbpf yet).
 */
#pragma once

#include "bpf_helpers.h"

typedef enum _process_operation {
    PROCESS_OPERATION_CREATE, ///< Process creation (Linux: successful exec).
    PROCESS_OPERATION_DELETE, ///< Process deletion (Linux: exit of the last thread).
} process_operation_t;

#define TOKEN_SID_MAX_SIZE 68

typedef struct _process_md {
    uint8_t *command_start;                ///< Command line, UTF-16LE, no NUL: argv joined by single spaces.
    uint8_t *command_end;                  ///< End of the command line.
    uint64_t process_id;                   ///< tgid.
    uint64_t parent_process_id;            ///< tgid of the real parent.
    uint64_t creating_process_id;          ///< tgid of the task that forked this process.
    uint64_t creating_thread_id;           ///< pid (thread id) of the task that forked this process.
    uint64_t creation_time;                ///< FILETIME of the process start.
    uint64_t exit_time;                    ///< FILETIME of the exit (DELETE only).
    uint32_t process_exit_code;            ///< 0..255, or 128+N when killed by signal N (DELETE only).
    process_operation_t operation : 8;     ///< CREATE or DELETE.
    uint32_t token_sid_size;               ///< Bytes used in token_sid (16).
    uint8_t token_sid[TOKEN_SID_MAX_SIZE]; ///< Binary SID S-1-22-1-<euid> (Unix user SID).
} process_md_t;

typedef int process_hook_t(process_md_t *context);

#define STATUS_SUCCESS 0
#define STATUS_ACCESS_DENIED ((int)0xC0000022)

/* bpf_tail_call from a process handler fails at compile time (winbpf/general_helpers.h): its CREATE and DELETE entries
 * attach to two tracepoints (tp_btf programs with different attach targets) and the DELETE entry has two variants the
 * loader chooses between, so no program array can hold "the handler at index" for every event. */

#include "winbpf/process_helpers.h"
