/* SPDX-License-Identifier: MIT */
/* drop_reference: the record shared by drop_reference.bpf.c and drop_reference.cpp. */
#pragma once

/* Bytes of the packet kept per drop, from its network header (netevent_monitor keeps as many). */
#define DROP_REFERENCE_PACKET_MAX 128

/* One drop, as netevent_monitor's record carries it: a 56-byte header (netevent_monitor's is 57) then up to
 * DROP_REFERENCE_PACKET_MAX packet bytes; only header + captured bytes are written to the ring buffer. */
struct drop_reference_event {
    __u64 timestamp_ns; /* CLOCK_BOOTTIME */
    __u64 location;     /* kfree_skb's caller */
    __u32 reason;       /* enum skb_drop_reason */
    __u32 cpu;
    __u32 ifindex;       /* skb->dev, else skb->skb_iif */
    __u32 packet_length; /* from the network header */
    __u32 captured;      /* packet bytes that follow */
    __u16 protocol;      /* ETH_P_* of skb->protocol, host order */
    __u16 pad;
    __u64 reserved[2];
    __u8 packet[DROP_REFERENCE_PACKET_MAX];
};

#define DROP_REFERENCE_HEADER_SIZE __builtin_offsetof(struct drop_reference_event, packet) /* 56 */
