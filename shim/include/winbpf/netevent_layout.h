/* SPDX-License-Identifier: MIT */
/*
 * The netevent_monitor hook's event buffer (docs/hooks/netevent_monitor.md): constants, netevent_data_header_t, the
 * packed pktmon header and winbpf's flow record. Shared by the BPF side (ebpf_netevent_hooks.h) and userspace readers
 * (netevent_monitor, tests), so the layout is written once. Plain C; include after <stdint.h> / <cstdint>.
 */
#pragma once

#define NETEVENT_EVENT_TYPE_PKTMON_DROP 100
#define NETEVENT_EVENT_TYPE_PKTMON_FLOW 101
#define NETEVENT_PKTMON_EVENT_CURRENT_VERSION 1
#define PKTMON_CAPTURE_HEADER_CURRENT_VERSION NETEVENT_PKTMON_EVENT_CURRENT_VERSION
#define PKTMON_EVENT_HEADER_LENGTH 0x35

/* Largest DROP payload winbpf captures, bytes (the start of the packet from its network header). */
#define NETEVENT_PAYLOAD_MAX 256

typedef struct _netevent_data_header {
    uint8_t type;     ///< NETEVENT_EVENT_TYPE_PKTMON_DROP or _FLOW.
    uint16_t version; ///< NETEVENT_PKTMON_EVENT_CURRENT_VERSION.
} netevent_data_header_t;

/*
 * Windows' PKTMON_EVT_STREAM_PACKET_HEADER (packed, 53 bytes), with what winbpf puts in each field on Linux.
 */
typedef struct __attribute__((packed)) _netevent_pktmon_header {
    uint8_t EventId; ///< 100 DROP, 101 FLOW.
    uint32_t
        PacketOriginalLength;    ///< DROP: bytes of the packet from its network header; FLOW: sizeof(netevent_flow_t).
    uint32_t PacketLoggedLength; ///< Payload bytes after the header (data_end - data).
    uint32_t PacketMetaDataLength; ///< 40: the metadata part below.
    uint64_t PktGroupId;           ///< DROP: 0; FLOW: the socket cookie (one value per connection).
    uint16_t PktCount;             ///< 1.
    uint16_t AppearanceCount;      ///< 1.
    uint16_t DirectionName;        ///< 0 (Linux does not say).
    uint16_t PacketType;           ///< DROP: the skb's ethertype (0x0800 IPv4, 0x86DD IPv6); FLOW: 0.
    uint16_t ComponentId;          ///< DROP: ifindex of the skb's device (0 when none); FLOW: 0.
    uint16_t EdgeId;               ///< 0.
    uint16_t FilterId;             ///< 0.
    uint32_t DropReason;           ///< DROP: enum skb_drop_reason of the running kernel (name from its BTF); FLOW: 0.
    uint32_t DropLocation;         ///< DROP: low 32 bits of the kernel address that dropped it; FLOW: 0.
    uint16_t ProcNum;              ///< CPU that saw the event.
    uint64_t TimeStamp;            ///< FILETIME of the event.
} netevent_pktmon_header_t;

/* FLOW payload (winbpf's flow record): a TCP socket's state change. Addresses and ports in network order; an IPv4
 * address fills the first 4 bytes of its field. */
typedef struct _netevent_flow {
    uint8_t family;                  ///< 4 or 6.
    uint8_t protocol;                ///< IPPROTO_TCP.
    uint8_t old_state;               ///< TCP state before (kernel numbering: 1 TCP_ESTABLISHED ... 12).
    uint8_t new_state;               ///< TCP state after.
    uint16_t source_port;            ///< Local port.
    uint16_t destination_port;       ///< Remote port.
    uint32_t process_id;             ///< tgid of the process holding the socket when it changed; 0 when unknown.
    uint8_t source_address[16];      ///< Local address.
    uint8_t destination_address[16]; ///< Remote address.
} netevent_flow_t;

/* Payload of a simulated event (netevent_sim): eBPF for Windows' simulator's netevent_payload_t, packed,
 * 17 bytes, integers little-endian as on Windows. The simulator pushes 192.168.1.1:12345 -> 10.11.12.1:80 with a
 * counter, as a DROP (type and event_id 100, DropReason NETEVENT_SIM_DROP_REASON_SECURITY_POLICY) to a program that
 * captures drops only and as a FLOW (101) to one that captures flows (capture all or flow); PacketOriginalLength and
 * PacketLoggedLength are 17 and the pktmon fields a real event fills from the kernel are 0. */
typedef struct __attribute__((packed)) _netevent_sim_payload {
    uint8_t event_id;               ///< The event's type: NETEVENT_EVENT_TYPE_PKTMON_DROP or _FLOW.
    uint8_t source_address[4];      ///< IPv4, in order: 192, 168, 1, 1.
    uint8_t destination_address[4]; ///< IPv4: 10, 11, 12, 1.
    uint16_t source_port;           ///< 12345, little-endian (host order on Windows).
    uint16_t destination_port;      ///< 80, little-endian.
    uint32_t event_counter;         ///< 1 for the simulator's first event, then 2, 3, ...
} netevent_sim_payload_t;

/* The simulator's drop reasons (upstream's drop_reason enum), in DropReason of a simulated DROP. */
#define NETEVENT_SIM_DROP_REASON_NONE 0
#define NETEVENT_SIM_DROP_REASON_INVALID_PACKET 1
#define NETEVENT_SIM_DROP_REASON_SECURITY_POLICY 2
#define NETEVENT_SIM_DROP_REASON_BANDWIDTH_LIMIT 3
#define NETEVENT_SIM_DROP_REASON_INACTIVE_TIMEOUT 4
