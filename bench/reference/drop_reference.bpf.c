// SPDX-License-Identifier: GPL-2.0
// drop_reference: what a hand-written libbpf tool pays to report each packet drop with the packet, the reference
// for netevent_monitor in winbpf_bench drop. The same work as winbpf's netevent glue plus bpf/netevent_monitor.c,
// written directly: tp_btf/kfree_skb, real drop reasons only, the packet from its network header (up to 128 bytes)
// read with bpf_probe_read_kernel, one ring buffer record of header + packet, wake-ups batched as winbpf batches
// them (shim/include/winbpf/general_helpers.h: woken at a quarter full, checked every 4 KiB written per CPU).
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "drop_reference.h"
#include "reference.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define RING_SIZE (4 * 1024 * 1024) /* netevent_monitor's */

_Static_assert(DROP_REFERENCE_HEADER_SIZE == 56, "a 56-byte header before the packet");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, RING_SIZE);
} events SEC(".maps");

struct scratch {
    struct drop_reference_event event;
    __u64 unchecked; /* bytes written on this CPU since the last fill check */
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch SEC(".maps");

SEC("tp_btf/kfree_skb")
int BPF_PROG(drop_reference, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
    if (reason <= SKB_DROP_REASON_NOT_SPECIFIED)
        return 0;
    __u32 zero = 0;
    struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
    if (!s)
        return 0;
    struct drop_reference_event *e = &s->event;
    unsigned char *head = skb->head;
    __u16 network = skb->network_header;
    unsigned char *start = network == (__u16)~0U ? skb->data : head + network;
    unsigned char *end = head + skb->tail;
    __u64 n = end > start ? end - start : 0;
    if (n > DROP_REFERENCE_PACKET_MAX)
        n = DROP_REFERENCE_PACKET_MAX;
    if (n && bpf_probe_read_kernel(e->packet, n, start))
        n = 0;
    unsigned char *data = skb->data;
    struct net_device *dev = skb->dev;
    e->timestamp_ns = bpf_ktime_get_boot_ns();
    e->location = (__u64)location;
    e->reason = reason;
    e->cpu = bpf_get_smp_processor_id();
    e->ifindex = dev ? dev->ifindex : skb->skb_iif;
    e->packet_length = skb->len + (data > start ? (__u32)(data - start) : 0);
    e->captured = n;
    e->protocol = bpf_ntohs(skb->protocol);

    __u64 size = DROP_REFERENCE_HEADER_SIZE + n;
    reference_output(&events, RING_SIZE, e, size, &s->unchecked);
    return 0;
}
