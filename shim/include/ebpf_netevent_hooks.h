/* SPDX-License-Identifier: MIT */
/*
 * The neteventebpfext `netevent_monitor` hook (docs/hooks/netevent_monitor.md), on Linux.
 *
 * A SEC("netevent_monitor") handler receives network events, one call each (return ignored):
 *   DROP (NETEVENT_EVENT_TYPE_PKTMON_DROP, 100)  tp_btf/kfree_skb with a real drop reason (not SKB_CONSUMED, not
 *        SKB_DROP_REASON_NOT_SPECIFIED); the payload is the packet from its network header, at most
 *        NETEVENT_PAYLOAD_MAX bytes of its linear part.
 *   FLOW (NETEVENT_EVENT_TYPE_PKTMON_FLOW, 101)  tp_btf/inet_sock_set_state: a TCP socket changed state; the payload
 *        is a netevent_flow_t.
 * Which of them a program gets is its capture type, given when it is attached (`winbpf add program FILE
 * capture=all|flow|drop|none`, default drop as on Windows). Unlike Windows, each program keeps its own capture type.
 *
 * The event buffer: data_meta -> netevent_data_header_t (4 bytes) -> the 53-byte packed pktmon header
 * (netevent_pktmon_header_t, PKTMON_EVENT_HEADER_LENGTH) -> data -> payload -> data_end. So
 * data_meta + sizeof(netevent_data_header_t) + PKTMON_EVENT_HEADER_LENGTH == data. Older programs' event_data_start
 * and event_data_end name the whole buffer (data_meta and data_end).
 */
#pragma once

#include "bpf_helpers.h"

#include "winbpf/netevent_layout.h"

typedef struct _netevent_event_md {
    union {
        uint8_t *data_meta;        ///< netevent_data_header_t, then the pktmon header.
        uint8_t *event_data_start; ///< Older spelling: the start of the whole event.
    };
    uint8_t *data; ///< Payload.
    union {
        uint8_t *data_end;       ///< End of the payload.
        uint8_t *event_data_end; ///< Older spelling.
    };
} netevent_event_md_t;

typedef enum _netevent_capture_type {
    NeteventCapture_All = 1,
    NeteventCapture_Flow,
    NeteventCapture_Drop,
    NeteventCapture_None
} netevent_capture_type_t;

typedef struct _netevent_attach_opts {
    netevent_capture_type_t capture_type;
} netevent_attach_opts_t;

typedef int netevent_event_hook_t(netevent_event_md_t *context);

/* bpf_tail_call(ctx, &prog_array, index) continues in the handler the loader put at index (winbpf::Object::
 * set_tail_call), at the same event: DROP, FLOW or a simulated event (winbpf/general_helpers.h). */
static __always_inline long winbpf_tail_call_netevent_monitor(struct _netevent_event_md *ctx, void *prog_array,
                                                              __u32 index)
{
    (void)prog_array; /* the hidden context names this event's program array */
    return winbpf_tail_call_hidden(ctx, index);
}
