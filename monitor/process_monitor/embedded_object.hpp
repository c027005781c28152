// SPDX-License-Identifier: MIT
// bpf/process_monitor.o, embedded in the binary through its bpftool skeleton.
#pragma once

#include <cstddef>
#include <span>

namespace winbpf::monitor
{

/// ELF bytes of the process_monitor BPF object (static storage).
std::span<const std::byte> process_monitor_elf() noexcept;

} // namespace winbpf::monitor
