// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct bpf_program;

namespace winbpf
{

/// Windows hook types winbpf maps onto Linux (CONTRACT §1).
enum class HookType { process };

/// Windows program type name of a hook ("process").
std::string_view hook_type_name(HookType type);

/// A Windows hook handler of an object and the Linux entry programs generated for it by the glue
/// (named <handler>__winbpf_<hook>_<event>).
struct HookProgram {
    std::string handler;                ///< The Windows handler's function name, e.g. "ProcessMonitor".
    HookType type;                      ///< Its hook.
    std::vector<bpf_program *> entries; ///< Entry programs to attach, primary (CREATE/exec) first.
};

/// Parsed form of an entry program name; handler is empty when name is not a winbpf entry program.
struct EntryName {
    std::string handler; ///< "ProcessMonitor"
    std::string hook;    ///< "process"
    std::string event;   ///< "exec", "exit", "exit_live"
};
/// Parses "<handler>__winbpf_<hook>_<event>" (hook one of the CONTRACT §1 section prefixes, event [a-z0-9_]+).
EntryName parse_entry_name(std::string_view name);

} // namespace winbpf
