// SPDX-License-Identifier: MIT
// Commands of the `winbpf` tool (netsh ebpf style, CONTRACT §7). Each throws winbpf::Error on failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace winbpf::cli
{

/// `add program FILE [cgroup=PATH]`: load, attach and pin every hook handler; prints "Loaded with ID N" per handler
/// (stdout) and the hooks' notes, e.g. the process hook's deny enforcement mode (stderr).
void add_program(const std::string &file, const std::vector<std::string> &parameters);

/// `delete program ID`: detach and unpin everything winbpf pinned for the handler with that ID.
void delete_program(std::uint32_t id);

/// `show programs`: table of every BPF program (ID, Pins, Links, Mode, Type, Name).
void show_programs();

} // namespace winbpf::cli
