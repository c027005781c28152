// SPDX-License-Identifier: MIT
// The bench's child processes: tools and generators run as children (killed with the bench), their stdout and
// stderr drained from pipes, the BPF programs behind their descriptors (/proc/<pid>/fdinfo), their CPU clocks and
// "received N, lost M" summaries, and Ctrl-C / SIGTERM handling so that every child is cleaned up.
#pragma once

#include "winbpf/unique_fd.hpp"

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace winbpf::bench
{

/// Descriptors the child gets as stdin/stdout/stderr; -1 means /dev/null.
struct StdFds {
    int in = -1;
    int out = -1;
    int err = -1;
};

/// Owns a child process. The child runs in its own process group (a Ctrl-C on the terminal reaches only the
/// bench, which then stops it in order) and gets SIGKILL if the bench dies. Destroying a handle whose child is
/// still running kills (SIGKILL) and reaps it. Move-only.
class ChildProcess
{
  public:
    /// Starts argv[0] (a path) with argv; with cgroup_procs >= 0 (an open cgroup.procs file), the child moves into
    /// that cgroup before it execs. Throws std::system_error when fork, the cgroup move or exec fails.
    static ChildProcess spawn(const std::vector<std::string> &argv, const StdFds &fds, int cgroup_procs = -1);

    ChildProcess(ChildProcess &&other) noexcept;
    ChildProcess &operator=(ChildProcess &&other) = delete;
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;
    ~ChildProcess();

    /// Process id (also valid after the child was reaped, for messages).
    pid_t pid() const noexcept { return pid_; }
    /// True until the child has been reaped.
    bool running();
    /// Sends sig to the child if it was not reaped yet.
    void signal(int sig);
    /// Waits up to timeout for the child to exit; its wait status once reaped.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    /// Blocks (no polling) until the child exits or a signal handler ran (EINTR); the wait status once reaped,
    /// nullopt when a signal came first.
    std::optional<int> wait_until_signal();
    /// The wait status, once reaped.
    std::optional<int> status() const noexcept { return status_; }

  private:
    explicit ChildProcess(pid_t pid) noexcept : pid_(pid) {}
    bool try_reap();

    pid_t pid_ = -1;
    std::optional<int> status_;
};

/// "exited 3", "killed by SIGKILL", ... for a wait status.
std::string describe_status(int status);

/// A pipe whose write end goes to a child and whose read end is drained by a thread until EOF, so the child never
/// blocks on a full pipe. Lines are counted; the first text_limit bytes are kept.
class PipeReader
{
  public:
    explicit PipeReader(std::size_t text_limit);
    PipeReader(const PipeReader &) = delete;
    PipeReader &operator=(const PipeReader &) = delete;
    ~PipeReader();

    /// The write end, to hand to the child; valid until start().
    int write_end() const noexcept { return write_.get(); }
    /// Closes the bench's copy of the write end (the child has its own) and starts draining.
    void start();
    /// Waits until the kept text contains needle, EOF, or the deadline; true if it contains needle.
    bool wait_for_text(std::string_view needle, std::chrono::steady_clock::time_point deadline);
    /// Waits up to timeout for EOF; true on EOF.
    bool wait_for_eof(std::chrono::milliseconds timeout);
    /// The kept text so far.
    std::string text() const;
    /// Newlines read so far.
    std::uint64_t lines() const;

  private:
    void drain(std::stop_token stop);

    UniqueFd read_;
    UniqueFd write_;
    std::size_t text_limit_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string text_;
    std::uint64_t lines_ = 0;
    bool eof_ = false;
    std::jthread thread_; // last: stopped and joined before the members it uses go away
};

/// The BPF objects behind a process's descriptors.
struct BpfHoldings {
    std::set<std::uint32_t> programs;        ///< ids of programs held directly (bpf-prog fds)
    std::set<std::uint32_t> linked_programs; ///< ids of programs behind the bpf_link fds
    std::size_t links = 0;                   ///< bpf_link fds

    /// Every program id seen, held directly or through a link.
    std::set<std::uint32_t> all_programs() const;
    /// True once the process holds at least one link and every program it holds is behind one of its links:
    /// the attach phase of a libbpf tool is over.
    bool attached() const;
};

/// Scans /proc/<pid>/fdinfo; empty holdings if the process is gone.
BpfHoldings scan_bpf_holdings(pid_t pid);

/// User + system CPU time consumed so far by process pid (all its threads).
///
/// Read through the process's CPU-time clock (clock_getcpuclockid), which has nanosecond resolution; the
/// utime + stime fields of /proc/<pid>/stat count whole clock ticks (10 ms at USER_HZ 100, i.e. 5 us per exec at
/// -n 2000, as coarse as the whole budget) and are only the fallback. Zero if the process is gone.
std::chrono::nanoseconds process_cpu_time(pid_t pid);

/// utime + stime of /proc/<pid>/stat, converted from clock ticks; zero if the process is gone.
std::chrono::nanoseconds proc_stat_cpu_time(pid_t pid);

/// Event counts a tool reported about itself.
struct ToolSummary {
    std::uint64_t received = 0;
    std::uint64_t lost = 0;
};

/// The last "received N, lost M" summary in a tool's stderr, if any.
std::optional<ToolSummary> parse_summary(std::string_view stderr_text);

/// Thrown when SIGINT or SIGTERM arrived while an InterruptGuard was alive.
class Interrupted : public std::runtime_error
{
  public:
    Interrupted() : std::runtime_error("interrupted") {}
};

/// While alive, SIGINT and SIGTERM only set a flag (checked by interrupted()); the old dispositions are restored on
/// destruction. Only one instance may exist at a time.
class InterruptGuard
{
  public:
    InterruptGuard();
    InterruptGuard(const InterruptGuard &) = delete;
    InterruptGuard &operator=(const InterruptGuard &) = delete;
    ~InterruptGuard();

  private:
    struct sigaction old_int_ {
    };
    struct sigaction old_term_ {
    };
};

/// True once SIGINT or SIGTERM arrived.
bool interrupted() noexcept;

/// Throws Interrupted when interrupted().
void throw_if_interrupted();

} // namespace winbpf::bench
