/* SPDX-License-Identifier: MIT */
/*
 * Ring buffer record of bpf/process_monitor.c, shared with monitor/ (userspace). Little-endian, packed as laid
 * out (all fields naturally aligned). The fixed part is followed by token_sid_size bytes of binary SID, then by
 * UTF-16LE strings without NUL in this order: account_name, account_domain, image_path, command_line. A record
 * is kept small (a DELETE is 64 bytes with its SID): every byte is written and read across CPUs per event.
 * The strings are present only when
 * PROCESS_MONITOR_FLAG_STRINGS is set: a DELETE of a process whose CREATE record was delivered carries no strings
 * (userspace keeps them from the CREATE, keyed by process_id and creation_time). A DELETE that does carry
 * strings has image path, accounts and the argv the process exits with (winbpf_process_get_command_line: for a process
 * that never exec'd, its parent's); where the kernel has freed its memory at exit (6.1), no command line, and userspace
 * takes the command line of processes that were running before it attached from /proc/PID/cmdline.
 */
#pragma once

#define PROCESS_MONITOR_FLAG_STRINGS 0x1           /* strings follow the fixed part */
#define PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED 0x4 /* command_line holds only the start of a longer argv */
#define PROCESS_MONITOR_FLAG_NEVER_EXECUTED 0x8    /* DELETE of a process that never exec'd (a fork of its parent) */

#define PROCESS_MONITOR_SID_MAX 68      /* bytes of token_sid (TOKEN_SID_MAX_SIZE) */
#define PROCESS_MONITOR_ACCOUNT_MAX 128 /* bytes of account_name and of account_domain */
#define PROCESS_MONITOR_IMAGE_MAX 8192  /* bytes of image_path (the shim's longest path, 4096 UTF-8 bytes) */
/* Bytes of command_line: a whole argv of up to 32 KiB (32767 UTF-16 units: its last NUL is dropped); the largest even
 * uint16 size. Only an argv cut by the shim (flagged truncated anyway) can be longer, and loses one more unit here. */
#define PROCESS_MONITOR_COMMAND_MAX 65534
/* Largest record: fixed part, SID, both accounts, image path and command line at their maxima; plus 2 bytes of room
 * in the scratch: a DELETE's command line is read whole (up to 65536 bytes), then cut to the maximum. */
#define PROCESS_MONITOR_RECORD_MAX                                                                                     \
    (48 + PROCESS_MONITOR_SID_MAX + 2 * PROCESS_MONITOR_ACCOUNT_MAX + PROCESS_MONITOR_IMAGE_MAX +                      \
     PROCESS_MONITOR_COMMAND_MAX + 2)

struct process_monitor_event {
    uint64_t timestamp;         /* FILETIME of the event: the exec (CREATE) or the exit (DELETE: the exit time) */
    uint64_t creation_time;     /* FILETIME of the process start */
    uint32_t process_id;        /* tgid */
    uint32_t parent_process_id; /* real parent's tgid */
    uint32_t creating_process_id;
    uint32_t creating_thread_id;
    uint32_t process_exit_code;   /* DELETE: 0..255, 128+N for signal N */
    uint8_t operation;            /* 0 CREATE, 1 DELETE (process_operation_t) */
    uint8_t flags;                /* PROCESS_MONITOR_FLAG_* */
    uint16_t token_sid_size;      /* bytes of binary SID (S-1-22-1-<euid>) right after the fixed part */
    uint16_t account_name_size;   /* bytes */
    uint16_t account_domain_size; /* bytes */
    uint16_t image_path_size;     /* bytes */
    uint16_t command_line_size;   /* bytes */
};
