// SPDX-License-Identifier: MIT
// CPU time consumed by another process.
#pragma once

#include <chrono>
#include <sys/types.h>

namespace winbpf::bench
{

/// User + system CPU time consumed so far by process pid (all its threads).
///
/// Read through the process's CPU-time clock (clock_getcpuclockid), which has nanosecond resolution; the
/// utime + stime fields of /proc/<pid>/stat count whole clock ticks (10 ms at USER_HZ 100, i.e. 5 us per exec at
/// -n 2000, as coarse as the whole budget) and are only the fallback. Zero if the process is gone.
std::chrono::nanoseconds process_cpu_time(pid_t pid);

/// utime + stime of /proc/<pid>/stat, converted from clock ticks; zero if the process is gone.
std::chrono::nanoseconds proc_stat_cpu_time(pid_t pid);

} // namespace winbpf::bench
