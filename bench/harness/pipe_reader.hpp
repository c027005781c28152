// SPDX-License-Identifier: MIT
// Drains a child's output pipe on a background thread, counting lines and keeping a bounded prefix of the text.
#pragma once

#include "winbpf/unique_fd.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace winbpf::bench
{

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

} // namespace winbpf::bench
