// SPDX-License-Identifier: MIT
#include "host_steal.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace winbpf::bench
{

std::optional<CpuTicks> read_cpu_ticks()
{
    std::ifstream stat("/proc/stat");
    std::string line;
    if (!std::getline(stat, line) || !line.starts_with("cpu "))
        return std::nullopt;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is also in user/nice).
    std::istringstream fields(line.substr(4));
    CpuTicks ticks;
    std::uint64_t value = 0;
    for (int column = 0; column < 8 && fields >> value; ++column) {
        ticks.total += value;
        if (column == 7)
            ticks.steal = value;
        if (column == 3 || column == 4)
            ticks.idle += value;
    }
    return fields ? std::optional<CpuTicks>(ticks) : std::nullopt;
}

std::optional<double> steal_percent(const std::optional<CpuTicks> &before, const std::optional<CpuTicks> &after)
{
    if (!before || !after || after->total <= before->total)
        return std::nullopt;
    return 100.0 * static_cast<double>(after->steal - before->steal) /
           static_cast<double>(after->total - before->total);
}

} // namespace winbpf::bench
