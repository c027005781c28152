// SPDX-License-Identifier: MIT
// Steal time of this virtual machine: CPU time the host gave to someone else while our vCPUs wanted to run.
#pragma once

#include <cstdint>
#include <optional>

namespace winbpf::bench
{

/// All-CPU tick counters of /proc/stat's "cpu" line (USER_HZ ticks).
struct CpuTicks {
    std::uint64_t total = 0; ///< every column summed
    std::uint64_t steal = 0; ///< the steal column
    std::uint64_t idle = 0;  ///< the idle and iowait columns
};

/// Reads /proc/stat; nullopt when it cannot be read or parsed.
std::optional<CpuTicks> read_cpu_ticks();

/// Steal as a percentage of all CPU ticks between two readings; nullopt when either is missing or no tick passed.
std::optional<double> steal_percent(const std::optional<CpuTicks> &before, const std::optional<CpuTicks> &after);

} // namespace winbpf::bench
