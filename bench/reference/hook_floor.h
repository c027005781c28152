/* SPDX-License-Identifier: MIT */
/* hook_floor: the record shared by hook_floor.bpf.c and hook_floor.cpp. */
#pragma once

/* Values of hook_floor_event.hook. */
#define HOOK_FLOOR_KFREE_SKB 0
#define HOOK_FLOOR_BIND4 1
#define HOOK_FLOOR_POST_BIND4 2
#define HOOK_FLOOR_SOCK_RELEASE 3
#define HOOK_FLOOR_SOCKOPS 4

/* The smallest useful report: 16 bytes. */
struct hook_floor_event {
    __u64 timestamp_ns; /* CLOCK_BOOTTIME */
    __u32 hook;         /* HOOK_FLOOR_* */
    __u32 value;        /* kfree_skb: the drop reason; bind4, post_bind4: the port (host order); release: 0; sockops:
                         the sockops op (ESTABLISHED, or the state callback to TCP_CLOSE) */
};
