// SPDX-License-Identifier: MIT
#include "cpu_clock.hpp"

#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace winbpf::bench
{

std::chrono::nanoseconds process_cpu_time(pid_t pid)
{
    clockid_t clock = 0;
    timespec now{};
    if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &now) == 0)
        return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
    return proc_stat_cpu_time(pid);
}

std::chrono::nanoseconds proc_stat_cpu_time(pid_t pid)
{
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(file, line))
        return {};
    // Fields after "(comm)", which may itself contain spaces: state is field 3, utime 14, stime 15.
    const std::size_t close = line.rfind(')');
    if (close == std::string::npos)
        return {};
    std::istringstream fields(line.substr(close + 2));
    std::string skip;
    for (int field = 3; field < 14; ++field)
        fields >> skip;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    if (!(fields >> utime >> stime))
        return {};
    const long ticks_per_second = sysconf(_SC_CLK_TCK);
    return std::chrono::nanoseconds((utime + stime) * 1'000'000'000ULL /
                                    static_cast<unsigned long long>(ticks_per_second));
}

} // namespace winbpf::bench
