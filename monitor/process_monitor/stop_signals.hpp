// SPDX-License-Identifier: MIT
// SIGINT/SIGTERM as a stop request for the event loop.
#pragma once

#include <csignal>

namespace winbpf::monitor
{

/// While alive, SIGINT and SIGTERM set a stop flag instead of killing the process (installed without SA_RESTART,
/// so a blocking poll returns early with EINTR) and SIGPIPE is ignored (a closed stdout shows up as EPIPE).
/// The previous dispositions are restored on destruction. Only one instance may exist at a time.
class StopSignals
{
  public:
    StopSignals();
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;
    ~StopSignals();

    /// True once SIGINT or SIGTERM arrived.
    bool requested() const noexcept;

  private:
    struct sigaction old_int_ {
    };
    struct sigaction old_term_ {
    };
    struct sigaction old_pipe_ {
    };
};

} // namespace winbpf::monitor
