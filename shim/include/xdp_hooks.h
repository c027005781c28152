/* SPDX-License-Identifier: MIT */
/*
 * The eBPF-for-Windows `xdp` hook (docs/hooks/xdp.md), on Linux.
 *
 * A SEC("xdp") handler gets every packet received on the interface it is attached to
 * (`winbpf add program FILE interface=IFNAME|IFINDEX`), before the network stack sees it, as Linux XDP does.
 *
 * Context: data .. data_end is the packet from its Ethernet header (Linux xdp_md data/data_end), data_meta the
 * start of the metadata area (Linux data_meta, as an integer), ingress_ifindex the Linux interface index.
 * Windows numbers the actions differently from Linux: the glue keeps the program's intent.
 *   XDP_PASS (1)  Linux XDP_PASS: the packet goes on to the stack.
 *   XDP_DROP (2)  Linux XDP_DROP.
 *   XDP_TX (3)    Linux XDP_TX: sent back out of the interface it came in on.
 *   any other     Linux XDP_ABORTED: dropped, and the kernel's xdp:xdp_exception tracepoint fires.
 */
#pragma once

#include "bpf_helpers.h"

typedef struct xdp_md_ {
    void *data;               ///< Start of the packet (its Ethernet header).
    void *data_end;           ///< End of the packet.
    uint64_t data_meta;       ///< Start of the packet's metadata area.
    uint32_t ingress_ifindex; ///< Linux index of the interface the packet arrived on.
} xdp_md_t;

typedef enum _xdp_action {
    XDP_PASS = 1, ///< Let the packet pass (Linux XDP_PASS).
    XDP_DROP,     ///< Drop the packet (Linux XDP_DROP).
    XDP_TX        ///< Send the packet back out of the interface it arrived on (Linux XDP_TX).
} xdp_action_t;

typedef xdp_action_t xdp_hook_t(xdp_md_t *context);

/*
 * bpf_xdp_adjust_head(ctx, delta): moves the start of the packet by delta bytes (positive: drops bytes at the head,
 * negative: makes room there), as Windows' helper does; 0, or a negative errno when the packet cannot move so far.
 * ctx's data, data_end and data_meta are refreshed, so the program checks bounds from ctx again as on Windows (the
 * verifier forgets every earlier packet pointer).
 */
/* A packet pointer of Linux's xdp_md (a 32-bit field) as a 64-bit value the compiler cannot narrow again: where a
 * program merges pointers from before and after bpf_xdp_adjust_head, clang would otherwise merge the 32-bit loads and
 * zero-extend with shifts, which the verifier refuses on packet pointers. */
static __always_inline void *winbpf_xdp_pointer(__u32 value)
{
    void *pointer = (void *)(long)value;
    asm volatile("" : "+r"(pointer));
    return pointer;
}

static __always_inline long winbpf_xdp_adjust_head(xdp_md_t *ctx, int delta)
{
    struct xdp_md *linux_ctx = (struct xdp_md *)WINBPF_HIDDEN(ctx)->linux_ctx;
    long result = bpf_xdp_adjust_head(linux_ctx, delta);
    ctx->data = winbpf_xdp_pointer(linux_ctx->data);
    ctx->data_end = winbpf_xdp_pointer(linux_ctx->data_end);
    ctx->data_meta = linux_ctx->data_meta;
    return result;
}
#define bpf_xdp_adjust_head(ctx, delta) winbpf_xdp_adjust_head((ctx), (delta))
