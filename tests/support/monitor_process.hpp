// SPDX-License-Identifier: MIT
// A winbpf monitor (process_monitor, bind_monitor, netevent_monitor) run by a test as a child process: started,
// ready once it says so, its JSON lines read back, stopped with SIGINT and its summary line checked.
#pragma once

#include "support/child.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace winbpf::test
{

/// Waits that suit a monitor: loading runs the verifier (startup), events arrive within moments, exit drains.
inline constexpr std::chrono::milliseconds monitor_startup_timeout{60'000};
inline constexpr std::chrono::milliseconds monitor_event_timeout{10'000};
inline constexpr std::chrono::milliseconds monitor_exit_timeout{20'000};

/// The complete lines of out that parse as JSON objects and for which match (when given) is true; a line that is not
/// valid JSON fails the test.
std::vector<nlohmann::json> json_lines(const std::string &out,
                                       const std::function<bool(const nlohmann::json &)> &match = {});

/// A monitor binary started with argv (argv[0]: its path) and its stdout and stderr captured. The child is killed
/// when this is destroyed while it still runs.
class MonitorProcess
{
  public:
    explicit MonitorProcess(const std::vector<std::string> &argv);

    /// Waits for "Press Ctrl-C to stop" on stderr; the failure carries what stderr said.
    ::testing::AssertionResult wait_ready(std::chrono::milliseconds timeout = monitor_startup_timeout);
    /// Reads output until done() or timeout; done()'s last value.
    bool read_until(const std::function<bool()> &done, std::chrono::milliseconds timeout = monitor_event_timeout);
    /// json_lines of stdout so far.
    std::vector<nlohmann::json> json_lines(const std::function<bool(const nlohmann::json &)> &match = {}) const;
    /// Sends signal (e.g. SIGUSR1: reopen the outputs; SIGSTOP and SIGCONT: stall and resume its reading).
    void signal(int signal) const { child_.signal(signal); }
    /// The monitor's process id.
    pid_t pid() const noexcept { return child_.pid(); }
    /// Sends signal (SIGINT by default, or SIGTERM), then waits for the exit; the wait status, or nullopt on timeout.
    std::optional<int> stop(std::chrono::milliseconds timeout = monitor_exit_timeout, int signal = SIGINT);
    /// stop(timeout), then expects exit 0 and "<tool>: received N, lost 0" on stderr (tool: argv[0]'s file name) with
    /// N > 0; N, or nullopt when the line is missing.
    std::optional<unsigned long long> expect_clean_stop(std::chrono::milliseconds timeout = monitor_exit_timeout);

    const std::string &out() const { return child_.out(); }
    const std::string &err() const { return child_.err(); }

  private:
    std::string tool_;
    Child child_;
};

} // namespace winbpf::test
