/* SPDX-License-Identifier: MIT */
/*
 * Glue of the `netevent_monitor` hook (docs/hooks/netevent_monitor.md): Linux programs that build the netevent event
 * buffer and call a Windows handler. The buffer is built in the per-CPU scratch (text region): netevent_data_header_t
 * at 0, the pktmon header at 4, the payload at WINBPF_NETEVENT_DATA.
 *
 *   WINBPF_NETEVENT_OBJECT_GLUE()   once per object: one program array per event for bpf_tail_call.
 *   WINBPF_NETEVENT_ENTRY(handler)  per handler:
 *     <handler>__winbpf_netevent_monitor_drop  tp_btf/kfree_skb            DROP: real drops (past NOT_SPECIFIED)
 *     <handler>__winbpf_netevent_monitor_flow  tp_btf/inet_sock_set_state  FLOW: TCP state changes
 *     <handler>__winbpf_netevent_monitor_sim   raw_tp (never attached)       events injected with BPF_PROG_TEST_RUN
 *   The loader attaches drop and/or flow by the program's capture type (all, flow, drop, none).
 */
#pragma once

#include "winbpf/license.h"

WINBPF_REQUIRE_GPL("netevent_monitor",
                   "BTF access to the dropped sk_buff and the socket, bpf_probe_read_kernel for the payload");

#include "ebpf_netevent_hooks.h"

#define WINBPF_NETEVENT_DATA (sizeof(netevent_data_header_t) + PKTMON_EVENT_HEADER_LENGTH) /* 57 */
_Static_assert(sizeof(netevent_pktmon_header_t) == PKTMON_EVENT_HEADER_LENGTH, "pktmon header is 53 bytes");
_Static_assert(sizeof(netevent_data_header_t) == 4, "netevent header is 4 bytes");

/* netevent_event_md_t on the entry program's stack, with the hidden Linux state before it. */
struct winbpf_netevent_ctx {
    struct winbpf_hidden hidden;
    netevent_event_md_t md;
};

/* Stores value into field of the packed pktmon header in the scratch. One store of the field's width: the header's
 * fields are unaligned, and clang writes a packed struct's fields byte by byte; eBPF allows unaligned stores into map
 * values on architectures with efficient unaligned access (x86-64, arm64), which are the ones the verifier runs
 * without strict alignment. */
#define WINBPF_PKTMON_SET(s, field, value)                                                                             \
    (*(__typeof__(((netevent_pktmon_header_t *)0)->field) *)((s)->text + sizeof(netevent_data_header_t) +              \
                                                             __builtin_offsetof(netevent_pktmon_header_t, field)) =    \
         (value))

/* Fills the two headers (the 57 bytes before WINBPF_NETEVENT_DATA; payload bytes are not touched) for a payload of n
 * bytes; fields that winbpf does not set on this event are 0. */
static __always_inline void winbpf_netevent_headers(struct winbpf_scratch *s, __u8 type, __u32 original_length, __u32 n)
{
    _Static_assert(WINBPF_NETEVENT_DATA == 7 * 8 + 1, "headers are 57 bytes");
    __u64 *words = (__u64 *)s->text;
#pragma unroll
    for (int i = 0; i < 7; i++)
        words[i] = 0;
    s->text[56] = 0;
    netevent_data_header_t *header = (netevent_data_header_t *)s->text;
    header->type = type;
    header->version = NETEVENT_PKTMON_EVENT_CURRENT_VERSION;
    WINBPF_PKTMON_SET(s, EventId, type);
    WINBPF_PKTMON_SET(s, PacketOriginalLength, original_length);
    WINBPF_PKTMON_SET(s, PacketLoggedLength, n);
    WINBPF_PKTMON_SET(s, PacketMetaDataLength, 40);
    WINBPF_PKTMON_SET(s, PktCount, 1);
    WINBPF_PKTMON_SET(s, AppearanceCount, 1);
    WINBPF_PKTMON_SET(s, ProcNum, bpf_get_smp_processor_id());
    WINBPF_PKTMON_SET(s, TimeStamp, winbpf_filetime_now());
}

/* Calls handler on the buffer with n payload bytes. */
#define WINBPF_NETEVENT_CALL(handler, entry_ctx, s, n, tail_array)                                                     \
    ({                                                                                                                 \
        struct winbpf_netevent_ctx w;                                                                                  \
        __builtin_memset(&w, 0, sizeof(w));                                                                            \
        w.hidden.linux_ctx = entry_ctx;                                                                                \
        w.hidden.tail_calls = tail_array;                                                                              \
        w.hidden.tail_depth = winbpf_tail_depth_take(s, entry_ctx);                                                    \
        w.hidden.task = bpf_get_current_task_btf();                                                                    \
        w.hidden.scratch = s;                                                                                          \
        w.md.data_meta = s->text;                                                                                      \
        w.md.data = s->text + WINBPF_NETEVENT_DATA;                                                                    \
        w.md.data_end = s->text + WINBPF_NETEVENT_DATA + (n);                                                          \
        handler(&w.md);                                                                                                \
    })

/* DROP from kfree_skb: the packet from its network header (linear part, at most NETEVENT_PAYLOAD_MAX bytes). Returns
 * the payload length, or -1 for a consumed or unspecified drop (no event). */
static __always_inline int winbpf_netevent_drop(struct winbpf_scratch *s, struct sk_buff *skb, void *location,
                                                __u32 reason)
{
    if (reason <= bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED))
        return -1;
    unsigned char *head = skb->head;
    __u16 network = skb->network_header;
    unsigned char *start = network == (__u16)~0U ? skb->data : head + network;
    unsigned char *end = head + skb->tail;
    __u64 n = end > start ? end - start : 0;
    if (n > NETEVENT_PAYLOAD_MAX)
        n = NETEVENT_PAYLOAD_MAX;
    barrier_var(n);
    if (n && bpf_probe_read_kernel(s->text + WINBPF_NETEVENT_DATA, n, start))
        n = 0;
    /* skb->len counts from skb->data; the receive path may have pulled the headers before start already. */
    unsigned char *data = skb->data;
    __u32 original = skb->len + (data > start ? (__u32)(data - start) : 0);
    winbpf_netevent_headers(s, NETEVENT_EVENT_TYPE_PKTMON_DROP, original, n);
    struct net_device *dev = skb->dev;
    WINBPF_PKTMON_SET(s, ComponentId, dev ? dev->ifindex : skb->skb_iif);
    WINBPF_PKTMON_SET(s, PacketType, bpf_ntohs(skb->protocol));
    WINBPF_PKTMON_SET(s, DropReason, reason);
    WINBPF_PKTMON_SET(s, DropLocation, (__u32)(__u64)location);
    return (int)n;
}

/* FLOW from inet_sock_set_state: a netevent_flow_t. Returns its length, or -1 for a socket that is not TCP. */
static __always_inline int winbpf_netevent_flow(struct winbpf_scratch *s, const struct sock *sk, int old_state,
                                                int new_state)
{
    if (sk->sk_protocol != WINBPF_IPPROTO_TCP)
        return -1;
    netevent_flow_t *flow = (netevent_flow_t *)(s->text + WINBPF_NETEVENT_DATA);
    __builtin_memset(flow, 0, sizeof(*flow));
    flow->protocol = WINBPF_IPPROTO_TCP;
    flow->old_state = old_state;
    flow->new_state = new_state;
    flow->source_port = bpf_htons(sk->__sk_common.skc_num);
    flow->destination_port = sk->__sk_common.skc_dport;
    if (sk->__sk_common.skc_family == WINBPF_LINUX_AF_INET6) {
        flow->family = 6;
        __builtin_memcpy(flow->source_address, &sk->__sk_common.skc_v6_rcv_saddr, 16);
        __builtin_memcpy(flow->destination_address, &sk->__sk_common.skc_v6_daddr, 16);
    } else {
        flow->family = 4;
        *(__u32 *)flow->source_address = sk->__sk_common.skc_rcv_saddr;
        *(__u32 *)flow->destination_address = sk->__sk_common.skc_daddr;
    }
    /* A process that holds the socket lock (connect, close, and the backlog it processes on release) caused the
     * change; in softirq the socket is not owned and the current task is unrelated. */
    flow->process_id = sk->sk_lock.owned ? (bpf_get_current_pid_tgid)() >> 32 : 0;
    winbpf_netevent_headers(s, NETEVENT_EVENT_TYPE_PKTMON_FLOW, sizeof(*flow), sizeof(*flow));
    WINBPF_PKTMON_SET(s, PktGroupId, bpf_get_socket_cookie((void *)sk));
    return sizeof(*flow);
}

/* A simulated event from the arguments of BPF_PROG_TEST_RUN (layout in winbpf/abi.h). Returns the payload length,
 * or -1 for an unknown event type. */
static __always_inline int winbpf_netevent_sim(struct winbpf_scratch *s, __u64 *args)
{
    __u64 type = args[0];
    if (type != NETEVENT_EVENT_TYPE_PKTMON_DROP && type != NETEVENT_EVENT_TYPE_PKTMON_FLOW)
        return -1;
    __u64 n = args[2];
    if (n > WINBPF_NETEVENT_SIM_PAYLOAD_MAX)
        n = WINBPF_NETEVENT_SIM_PAYLOAD_MAX;
    __u64 *payload = (__u64 *)(s->text + WINBPF_NETEVENT_DATA);
#pragma unroll
    for (int i = 0; i < WINBPF_NETEVENT_SIM_PAYLOAD_MAX / 8; i++)
        payload[i] = args[3 + i];
    winbpf_netevent_headers(s, (__u8)type, (__u32)n, (__u32)n);
    if (type == NETEVENT_EVENT_TYPE_PKTMON_DROP)
        WINBPF_PKTMON_SET(s, DropReason, (__u32)args[1]);
    return (int)n;
}

/* Declares s, this CPU's scratch; without it the event is lost, and counted, and the entry returns. */
#define WINBPF_NETEVENT_SCRATCH(s)                                                                                     \
    struct winbpf_scratch *s = winbpf_scratch_get();                                                                   \
    if (!s) {                                                                                                          \
        winbpf_count_lost();                                                                                           \
        return 0;                                                                                                      \
    }

/* The program array of one event for bpf_tail_call (WINBPF_TAIL_MAP_PREFIX "netevent_monitor_<event>"). */
#define WINBPF_NETEVENT_TAIL_MAP(event)                                                                                \
    struct {                                                                                                           \
        __uint(type, BPF_MAP_TYPE_PROG_ARRAY);                                                                         \
        __uint(max_entries, WINBPF_TAIL_SLOTS);                                                                        \
        __type(key, __u32);                                                                                            \
        __type(value, __u32);                                                                                          \
    } winbpf_tail_netevent_monitor_##event SEC(".maps");

#define WINBPF_NETEVENT_OBJECT_GLUE()                                                                                  \
    WINBPF_NETEVENT_TAIL_MAP(drop)                                                                                     \
    WINBPF_NETEVENT_TAIL_MAP(flow)                                                                                     \
    WINBPF_NETEVENT_TAIL_MAP(sim)

#define WINBPF_NETEVENT_ENTRY(handler)                                                                                 \
    __attribute__((section("tp_btf/kfree_skb"), used)) int BPF_PROG(                                                   \
        handler##__winbpf_netevent_monitor_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason)     \
    {                                                                                                                  \
        WINBPF_NETEVENT_SCRATCH(s);                                                                                    \
        int n = winbpf_netevent_drop(s, skb, location, reason);                                                        \
        if (n >= 0)                                                                                                    \
            WINBPF_NETEVENT_CALL(handler, ctx, s, n &(NETEVENT_PAYLOAD_MAX * 2 - 1),                                   \
                                 &winbpf_tail_netevent_monitor_drop);                                                  \
        return 0;                                                                                                      \
    }                                                                                                                  \
    __attribute__((section("tp_btf/inet_sock_set_state"), used)) int BPF_PROG(                                         \
        handler##__winbpf_netevent_monitor_flow, const struct sock *sk, int old_state, int new_state)                  \
    {                                                                                                                  \
        WINBPF_NETEVENT_SCRATCH(s);                                                                                    \
        int n = winbpf_netevent_flow(s, sk, old_state, new_state);                                                     \
        if (n >= 0)                                                                                                    \
            WINBPF_NETEVENT_CALL(handler, ctx, s, sizeof(netevent_flow_t), &winbpf_tail_netevent_monitor_flow);        \
        return 0;                                                                                                      \
    }                                                                                                                  \
    __attribute__((section("raw_tp"), used)) int handler##__winbpf_netevent_monitor_sim(                               \
        struct bpf_raw_tracepoint_args *ctx)                                                                           \
    {                                                                                                                  \
        WINBPF_NETEVENT_SCRATCH(s);                                                                                    \
        int n = winbpf_netevent_sim(s, (__u64 *)ctx->args);                                                            \
        if (n >= 0)                                                                                                    \
            WINBPF_NETEVENT_CALL(handler, ctx, s, n & 127, &winbpf_tail_netevent_monitor_sim);                         \
        return 0;                                                                                                      \
    }
