/* SPDX-License-Identifier: MIT */
/*
 * Glue of the `xdp` hook (docs/hooks/xdp.md): a Linux XDP program that builds xdp_md_t and calls a Windows handler.
 *
 *   WINBPF_XDP_OBJECT_GLUE()   once per object: nothing (no shared state).
 *   WINBPF_XDP_ENTRY(handler)  per handler:
 *     <handler>__winbpf_xdp_xdp   SEC("xdp")   every received packet of the interface the loader attaches it to
 *   The handler's Windows action becomes the Linux one (winbpf_xdp_linux_action); the packet pointers are copied into
 *   xdp_md_t on the stack, where the verifier keeps tracking them as packet pointers.
 */
#pragma once

#include "xdp_hooks.h"

/* xdp_md_t on the entry program's stack, with the hidden Linux state before it. */
struct winbpf_xdp_ctx {
    struct winbpf_hidden hidden;
    xdp_md_t md;
};

/* Linux XDP action for a Windows one: pass, drop and transmit keep their meaning; anything else aborts. */
static __always_inline int winbpf_xdp_linux_action(int action)
{
    switch (action) {
    case XDP_PASS:
        return WINBPF_LINUX_XDP_PASS;
    case XDP_DROP:
        return WINBPF_LINUX_XDP_DROP;
    case XDP_TX:
        return WINBPF_LINUX_XDP_TX;
    default:
        return WINBPF_LINUX_XDP_ABORTED;
    }
}

#define WINBPF_XDP_OBJECT_GLUE()

#define WINBPF_XDP_ENTRY(handler)                                                                                      \
    __attribute__((section("xdp"), used)) int handler##__winbpf_xdp_xdp(struct xdp_md *ctx)                            \
    {                                                                                                                  \
        struct winbpf_xdp_ctx w;                                                                                       \
        __builtin_memset(&w, 0, sizeof(w));                                                                            \
        w.hidden.linux_ctx = ctx;                                                                                      \
        w.md.data = winbpf_xdp_pointer(ctx->data);                                                                     \
        w.md.data_end = winbpf_xdp_pointer(ctx->data_end);                                                             \
        w.md.data_meta = ctx->data_meta;                                                                               \
        w.md.ingress_ifindex = ctx->ingress_ifindex;                                                                   \
        return winbpf_xdp_linux_action(handler(&w.md));                                                                \
    }
