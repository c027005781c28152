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
/// Parses "<handler>__winbpf_<hook>_<event>" (hook a name of winbpf/hooks.h, mapped or planned; event [a-z0-9_]+).
EntryName parse_entry_name(std::string_view name);

} // namespace winbpf
