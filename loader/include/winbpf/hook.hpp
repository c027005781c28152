// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct bpf_program;

namespace winbpf
{

/// A Windows hook handler of an object and the Linux entry programs generated for it by the glue
/// (named <handler>__winbpf_<hook>_<event>).
struct HookProgram {
    std::string handler;                ///< The Windows handler's function name, e.g. "ProcessMonitor".
    std::string hook;                   ///< Its hook: a row of shim/include/winbpf/hooks.h, e.g. "process".
    std::vector<bpf_program *> entries; ///< Entry programs, primary first (its kernel id names the handler).
};

/// Parsed form of an entry program name; handler is empty when name is not a winbpf entry program.
struct EntryName {
    std::string handler; ///< "ProcessMonitor"
    std::string hook;    ///< "process"
    std::string event;   ///< "exec", "exit", "exit_live"
};
/// A Linux attach point behind one entry event of a Windows hook.
struct LinuxHook {
    std::string event;   ///< Entry event ("exec"), or "support: <program>" for an object-wide support program.
    std::string section; ///< libbpf section of the entry program ("tp_btf/sched_process_exec").
    std::string meaning; ///< What the Windows handler sees there ("CREATE").
};

/// What winbpf provides for one Windows hook (`winbpf show program-types`): the hook table's row
/// (shim/include/winbpf/hooks.h) and its loader module.
struct HookType {
    std::string name;                        ///< Program type name: "process", "sock_addr".
    std::vector<std::string> sections;       ///< SEC() prefixes of its handlers: {"process"}, {"cgroup/connect4", ...}.
    std::string context;                     ///< Windows context type: "process_md_t".
    std::string program_type_guid;           ///< eBPF for Windows' program type GUID.
    std::string attach_type_guid;            ///< eBPF for Windows' attach type GUID.
    std::vector<std::string> helpers;        ///< Hook-specific helpers besides the general ones.
    std::vector<std::string> attach_options; ///< `add program` parameters the hook takes ("cgroup").
    std::vector<LinuxHook> linux_hooks;      ///< Entry events, primary first, then support programs.
};

/// Every hook winbpf maps, in hook table order.
std::vector<HookType> hook_types();

/// What a user should know about the programs of hook name on this system (its loader module's note, e.g. "Deny
/// enforcement: sigkill (BPF LSM unavailable: ...)"), or empty (no note, or not a mapped hook). The module may probe
/// the kernel for it (the process hook: probe_enforcement(), once per process).
/// attach_type (entry_attach_type) adds what holds for programs of that attach type only (sock_addr's listen4: "Deny
/// enforcement: none (...)" where a REJECT is not enforced).
std::string hook_note(std::string_view hook, std::string_view attach_type = {});

/// The Windows attach type of a winbpf entry: its handler's section without "cgroup/" for hooks of several attach
/// types ("connect4" for the sock_addr event "connect4_sendmsg"), else empty (the hook's name says it).
std::string entry_attach_type(const EntryName &entry);

/// Rank of an entry among its handler's entries (0: the primary, whose kernel id names the handler); entries of hooks
/// the loader does not know rank last.
int entry_rank(const EntryName &entry);

/// Parses "<handler>__winbpf_<hook>_<event>" (hook a name of winbpf/hooks.h, mapped or planned; event [a-z0-9_]+).
EntryName parse_entry_name(std::string_view name);

} // namespace winbpf
