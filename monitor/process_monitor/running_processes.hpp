// SPDX-License-Identifier: MIT
// Command lines of the processes already running when the monitor starts, from /proc.
#pragma once

#include "process_table.hpp"

#include <cstddef>
#include <filesystem>

namespace winbpf::monitor
{

/// Adds every process of proc_root (normally /proc) with a non-empty cmdline to table (ProcessTable::add_running):
/// arguments joined by single spaces, bytes kept as they are (the BPF side's argv form). Processes that vanish
/// meanwhile are skipped. Returns the processes added.
std::size_t add_running_processes(ProcessTable &table, const std::filesystem::path &proc_root = "/proc");

/// Turns a /proc/PID/cmdline buffer (NUL-terminated arguments) into argv joined by single spaces.
void cmdline_to_command_line(std::string &cmdline);

} // namespace winbpf::monitor
