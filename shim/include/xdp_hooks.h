/* SPDX-License-Identifier: MIT */
/*
 * The eBPF-for-Windows `xdp` hook (CONTRACT §6), on Linux.
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
