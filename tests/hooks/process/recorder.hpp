// SPDX-License-Identifier: MIT
// tests/bpf/process_recorder.o loaded, configured to watch the children of this test process, attached, and its
// ring buffer decoded into Events. Detaches and unloads on destruction.
#pragma once

#include "winbpf/attachment.hpp"
#include "winbpf/object.hpp"
#include "winbpf/ring_buffer.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace process_test
{

/// Path of a test object built from tests/bpf/<name>.c.
std::string bpf_object_path(const std::string &name);
/// Absolute path of winbpf_test_child (tests/support/test_child.cpp).
std::string test_child_path();

/// One process_record, decoded.
struct Event {
    std::uint64_t command_size = 0;
    std::uint64_t process_id = 0;
    std::uint64_t parent_process_id = 0;
    std::uint64_t creating_process_id = 0;
    std::uint64_t creating_thread_id = 0;
    std::uint64_t creation_time = 0;
    std::uint64_t exit_time = 0;
    std::uint32_t process_exit_code = 0;
    std::uint32_t operation = 0; ///< 0 CREATE, 1 DELETE
    std::uint32_t token_sid_size = 0;
    std::vector<std::uint8_t> token_sid; ///< token_sid_size bytes (all 68 when larger)
    int command_result = 0;
    int image_path_result = 0;
    int account_name_result = 0;
    int account_domain_result = 0;
    std::uint32_t command_copied = 0;
    std::uint32_t command_truncated = 0;          ///< winbpf_process_command_line_truncated()
    std::vector<std::uint8_t> command_line_bytes; ///< UTF-16LE as received
    std::string command_line;                     ///< UTF-8
    std::string image_path;                       ///< UTF-8 (empty unless image_path_result > 0)
    std::string account_name;
    std::string account_domain;

    bool is_create() const noexcept { return operation == 0; }
    bool is_delete() const noexcept { return operation == 1; }
};

constexpr std::uint32_t operation_create = 0;
constexpr std::uint32_t operation_delete = 1;

class Recorder
{
  public:
    /// Opens, loads, configures (watch_parent = getpid()) and attaches the recorder. Throws winbpf::Error.
    Recorder();
    /// Reports lost or undecodable records as a test failure.
    ~Recorder();
    Recorder(const Recorder &) = delete;
    Recorder &operator=(const Recorder &) = delete;

    /// Polls the ring buffer until done() or timeout; returns done()'s last value.
    bool poll_until(const std::function<bool()> &done, std::chrono::milliseconds timeout);
    /// Polls until the DELETE of pid arrived, then drains once more (a duplicate would show up); false on timeout.
    bool wait_for_delete(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Events of pid so far, in arrival order; with operation, only that operation.
    std::vector<Event> events_of(pid_t pid, std::optional<std::uint32_t> operation = std::nullopt) const;
    /// Records the programs could not write (ring buffer full): must stay 0.
    std::uint64_t lost_events() const { return object_.lost_events(); }

  private:
    winbpf::Object object_;
    winbpf::Attachment attachment_;
    winbpf::RingBufferConsumer consumer_;
    std::vector<Event> events_;
    std::size_t undecodable_ = 0; ///< records of the wrong size (layout mismatch)
};

} // namespace process_test
