/* SPDX-License-Identifier: MIT */
/* exec_reference: the record shared by exec_reference.bpf.c and exec_reference.cpp. */
#pragma once

#define EXEC_REFERENCE_DOMAIN_MAX 64     /* bytes of the UTS host name (__NEW_UTS_LEN) */
#define EXEC_REFERENCE_PATH_MAX 4095     /* bytes of the image path (PATH_MAX without its NUL, as readlink gives) */
#define EXEC_REFERENCE_COMMAND_MAX 32768 /* bytes of argv kept (process_monitor's cap) */

/* Values of exec_reference_event.operation (process_monitor's CREATE and DELETE). */
#define EXEC_REFERENCE_CREATE 0
#define EXEC_REFERENCE_DELETE 1

/* Bits of exec_reference_event.flags (process_monitor's values). */
#define EXEC_REFERENCE_FLAG_STRINGS 0x1           /* the strings follow the fixed part */
#define EXEC_REFERENCE_FLAG_COMMAND_TRUNCATED 0x4 /* argv was longer than EXEC_REFERENCE_COMMAND_MAX */
#define EXEC_REFERENCE_FLAG_NEVER_EXECUTED 0x8    /* DELETE of a process that never exec'd */

/* One CREATE or DELETE: a 56-byte fixed part, then (with EXEC_REFERENCE_FLAG_STRINGS) the host name, the image path
 * and argv as the kernel holds them (UTF-8; argv's arguments NUL-separated), of the sizes given. A DELETE of a process
 * whose CREATE was written carries no strings: the reader has them. */
struct exec_reference_event {
    __u64 timestamp_ns; /* CLOCK_BOOTTIME of the exec (CREATE) or the exit (DELETE) */
    __u64 start_ns;     /* CLOCK_BOOTTIME of the process's start */
    __u32 pid;          /* tgid */
    __u32 parent_pid;   /* real parent's tgid */
    __u32 creating_pid; /* the process and thread that forked it (else the real parent) */
    __u32 creating_tid;
    __u32 exit_code; /* DELETE: 0..255, 128+N for signal N */
    __u32 uid;       /* effective uid */
    __u8 operation;  /* EXEC_REFERENCE_CREATE or _DELETE */
    __u8 flags;      /* EXEC_REFERENCE_FLAG_* */
    __u16 domain_size;
    __u16 image_size;
    __u16 command_size;
    __u8 reserved[8];
};
