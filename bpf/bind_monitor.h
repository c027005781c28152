/* SPDX-License-Identifier: MIT */
/*
 * Ring buffer record of bpf/bind_monitor.c, shared with monitor/bind_monitor (userspace). Little-endian, fields
 * naturally aligned. The fixed part is followed by app_id_size bytes of app id (UTF-16LE with its NUL, as the bind
 * hook gives it); a record is the fixed part plus the app id, rounded up by the ring buffer to 8 bytes.
 */
#pragma once

#define BIND_MONITOR_APP_ID_MAX 512 /* bytes of app id kept: 255 UTF-16 units plus the NUL */

/* Values of bind_monitor_event.action. */
#define BIND_MONITOR_ACTION_PERMIT 0
#define BIND_MONITOR_ACTION_DENY 1
#define BIND_MONITOR_ACTION_REDIRECT 2

/* Values of bind_monitor_limit.limit: no per-process limit. */
#define BIND_MONITOR_NO_LIMIT 0

struct bind_monitor_event {
    uint64_t timestamp_ns;         /* CLOCK_BOOTTIME ns of the event (bpf_ktime_get_boot_ns) */
    uint64_t process_id;           /* bind_md_t.process_id: tgid of the binding process */
    uint8_t socket_address[28];    /* SOCKADDR_IN (16 bytes) or SOCKADDR_IN6 (28), Windows family numbers 2 / 23 */
    uint8_t socket_address_length; /* 16 or 28 */
    uint8_t operation;             /* bind_operation_t: 0 BIND, 1 POST_BIND, 2 UNBIND */
    uint8_t protocol;              /* IPPROTO_TCP 6, IPPROTO_UDP 17 */
    uint8_t action;                /* BIND_MONITOR_ACTION_*: what the program returned */
    uint32_t bind_count;           /* the process's bound sockets after this event */
    uint16_t app_id_size;          /* bytes of app id after the fixed part */
    uint16_t reserved;
};
