/* SPDX-License-Identifier: MIT */
/*
 * The table of Windows hooks winbpf knows (docs/compatibility.md). The glue generator (shim/glue), the loader
 * (loader/src/hooks) and the shim's helpers (winbpf/general_helpers.h) all expand this one table, so adding a hook
 * is one row here plus the hook's files: its shim header, its glue header and its loader module.
 *
 *   WINBPF_HOOK(name, context, glue_header, object_macro, entry_macro)
 *     name          SEC() prefix and hook name in entry program names (<handler>__winbpf_<name>_<event>)
 *     context       struct tag of the Windows context (process_md_t is struct _process_md)
 *     glue_header   header that defines the two macros
 *     object_macro  emitted once per object that has a handler of this hook (shared maps, support programs)
 *     entry_macro   emitted once per handler, with the handler's name: defines its Linux entry programs
 *     The loader's module for the hook is winbpf::detail::<name>_hook_module() (loader/src/hooks/<name>.cpp).
 *   WINBPF_PLANNED_HOOK(name)
 *     a section prefix of eBPF for Windows that winbpf does not map yet: compiling a handler for it fails with a
 *     message naming the function and the section.
 *
 * A hook whose programs sit in several sections that share no prefix of their own (sock_addr: cgroup/connect4,
 * cgroup/recv_accept6, ...) lists them in WINBPF_HOOK_SECTIONS, each with the entry macro of that attach type; such a
 * hook is found through those rows only (its name is no section), and the entry_macro of its WINBPF_HOOK row is unused.
 *
 *   WINBPF_SECTION(name, section, attach, entry_macro)
 *     name          the hook (a WINBPF_HOOK row)
 *     section       the SEC() name (longest prefix wins, as for hook names)
 *     attach        Windows attach type name, e.g. connect4 (`winbpf show programs`)
 *     entry_macro   emitted once per handler in that section, with the handler's name
 *
 * A function in a hook's section is a Windows handler when its first parameter is a pointer to the hook's context
 * (or is not a pointer to a struct, e.g. void *). A function whose parameter points to another struct (a native Linux
 * program: SEC("cgroup/connect4") int f(struct bpf_sock_addr *ctx), SEC("xdp") int f(struct xdp_md *ctx)) stays a plain
 * libbpf program.
 *
 * Plain macros only: included from BPF C, from the C++ glue generator and from the loader.
 */
#pragma once

#define WINBPF_HOOKS(WINBPF_HOOK, WINBPF_PLANNED_HOOK)                                                                 \
    WINBPF_HOOK(process, _process_md, "winbpf/process_glue.h", WINBPF_PROCESS_OBJECT_GLUE, WINBPF_PROCESS_ENTRY)       \
    WINBPF_HOOK(bind, _bind_md, "winbpf/bind_glue.h", WINBPF_BIND_OBJECT_GLUE, WINBPF_BIND_ENTRY)                      \
    WINBPF_HOOK(netevent_monitor, _netevent_event_md, "winbpf/netevent_glue.h", WINBPF_NETEVENT_OBJECT_GLUE,           \
                WINBPF_NETEVENT_ENTRY)                                                                                 \
    WINBPF_HOOK(xdp, xdp_md_, "winbpf/xdp_glue.h", WINBPF_XDP_OBJECT_GLUE, WINBPF_XDP_ENTRY)                           \
    WINBPF_HOOK(sock_addr, _bpf_sock_addr, "winbpf/sock_addr_glue.h", WINBPF_SOCK_ADDR_OBJECT_GLUE,                    \
                WINBPF_SOCK_ADDR_NO_ENTRY)                                                                             \
    WINBPF_HOOK(sockops, _bpf_sock_ops, "winbpf/sock_ops_glue.h", WINBPF_SOCK_OPS_OBJECT_GLUE, WINBPF_SOCK_OPS_ENTRY)

#define WINBPF_HOOK_SECTIONS(WINBPF_SECTION)                                                                           \
    WINBPF_SECTION(sock_addr, "cgroup/connect4", connect4, WINBPF_SOCK_ADDR_CONNECT4_ENTRY)                            \
    WINBPF_SECTION(sock_addr, "cgroup/connect6", connect6, WINBPF_SOCK_ADDR_CONNECT6_ENTRY)                            \
    WINBPF_SECTION(sock_addr, "cgroup/connect_authorization4", connect_authorization4,                                 \
                   WINBPF_SOCK_ADDR_CONNECT_AUTHORIZATION4_ENTRY)                                                      \
    WINBPF_SECTION(sock_addr, "cgroup/connect_authorization6", connect_authorization6,                                 \
                   WINBPF_SOCK_ADDR_CONNECT_AUTHORIZATION6_ENTRY)                                                      \
    WINBPF_SECTION(sock_addr, "cgroup/recv_accept4", recv_accept4, WINBPF_SOCK_ADDR_RECV_ACCEPT4_ENTRY)                \
    WINBPF_SECTION(sock_addr, "cgroup/recv_accept6", recv_accept6, WINBPF_SOCK_ADDR_RECV_ACCEPT6_ENTRY)                \
    WINBPF_SECTION(sock_addr, "cgroup/bind4", bind4, WINBPF_SOCK_ADDR_BIND4_ENTRY)                                     \
    WINBPF_SECTION(sock_addr, "cgroup/bind6", bind6, WINBPF_SOCK_ADDR_BIND6_ENTRY)                                     \
    WINBPF_SECTION(sock_addr, "cgroup/listen4", listen4, WINBPF_SOCK_ADDR_LISTEN4_ENTRY)                               \
    WINBPF_SECTION(sock_addr, "cgroup/listen6", listen6, WINBPF_SOCK_ADDR_LISTEN6_ENTRY)
