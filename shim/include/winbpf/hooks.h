/* SPDX-License-Identifier: MIT */
/*
 * The table of Windows hooks winbpf knows (CONTRACT §1). The glue generator (shim/glue), the loader
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
 *     a section prefix of CONTRACT §1 that winbpf does not map yet: compiling a handler for it fails with a
 *     message naming the function and the section.
 *
 * Plain macros only: included from BPF C, from the C++ glue generator and from the loader.
 */
#pragma once

#define WINBPF_HOOKS(WINBPF_HOOK, WINBPF_PLANNED_HOOK)                                                                 \
    WINBPF_HOOK(process, _process_md, "winbpf/process_glue.h", WINBPF_PROCESS_OBJECT_GLUE, WINBPF_PROCESS_ENTRY)       \
    WINBPF_HOOK(bind, _bind_md, "winbpf/bind_glue.h", WINBPF_BIND_OBJECT_GLUE, WINBPF_BIND_ENTRY)                      \
    WINBPF_HOOK(netevent_monitor, _netevent_event_md, "winbpf/netevent_glue.h", WINBPF_NETEVENT_OBJECT_GLUE,           \
                WINBPF_NETEVENT_ENTRY)                                                                                 \
    WINBPF_HOOK(xdp, xdp_md_, "winbpf/xdp_glue.h", WINBPF_XDP_OBJECT_GLUE, WINBPF_XDP_ENTRY)
