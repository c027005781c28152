/* SPDX-License-Identifier: MIT */
/*
 * Ring buffer record of bpf/netevent_monitor.c, shared with monitor/netevent_monitor (userspace). Little-endian.
 * A record is the event's two headers exactly as the netevent_monitor hook gives them (shim/include/
 * ebpf_netevent_hooks.h): netevent_data_header_t (4 bytes) and the packed 53-byte netevent_pktmon_header_t, then
 * the first min(PacketLoggedLength, NETEVENT_MONITOR_PAYLOAD_MAX) payload bytes (the packet from its network header
 * for a DROP, a netevent_flow_t for a FLOW). Only the bytes used are sent; the ring buffer may round a record up to
 * 8 bytes.
 */
#pragma once

/* Payload bytes kept per event (the rest is cut; PacketLoggedLength still says how many there were). */
#define NETEVENT_MONITOR_PAYLOAD_MAX 128

/* Bytes before the payload: netevent_data_header_t (4) + PKTMON_EVENT_HEADER_LENGTH (0x35). */
#define NETEVENT_MONITOR_HEADERS_SIZE (4 + 0x35) /* sizeof(netevent_data_header_t) + PKTMON_EVENT_HEADER_LENGTH */

struct netevent_monitor_event {
    uint8_t headers[NETEVENT_MONITOR_HEADERS_SIZE]; /* netevent_data_header_t, then netevent_pktmon_header_t */
    uint8_t payload[NETEVENT_MONITOR_PAYLOAD_MAX];  /* captured payload bytes (only those used are sent) */
};
