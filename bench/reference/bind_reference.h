/* SPDX-License-Identifier: MIT */
/* bind_reference: the record shared by bind_reference.bpf.c and bind_reference.cpp. */
#pragma once

#define BIND_REFERENCE_NAME_MAX 255 /* NAME_MAX: bytes of the executable's file name kept */

/* Values of bind_reference_event.operation. */
#define BIND_REFERENCE_BIND 0
#define BIND_REFERENCE_POST_BIND 1
#define BIND_REFERENCE_UNBIND 2

/* One bind event: a 56-byte fixed part (as bind_monitor's), then name_size bytes of the executable's file name (UTF-8:
 * a hand-written tool need not convert it to UTF-16 as the Windows context does). */
struct bind_reference_event {
    __u64 timestamp_ns; /* CLOCK_BOOTTIME */
    __u64 process_id;   /* tgid */
    __u32 address[7];   /* IPv4 address in address[0], network order (28 bytes, as bind_monitor's socket address) */
    __u16 port;         /* host order; 0 at BIND for a port chosen by the kernel */
    __u8 operation;     /* BIND_REFERENCE_* */
    __u8 denied;        /* 1: the bind was refused (over the limit) */
    __u32 bind_count;   /* the process's bound sockets after this event */
    __u16 name_size;
    __u16 protocol; /* IPPROTO_TCP 6, IPPROTO_UDP 17 */
    __u8 name[BIND_REFERENCE_NAME_MAX + 1];
};

#define BIND_REFERENCE_HEADER_SIZE __builtin_offsetof(struct bind_reference_event, name) /* 56 */
