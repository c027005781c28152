// SPDX-License-Identifier: MIT
// Unbuffered, complete writes of prepared output to a file descriptor.
#pragma once

#include <string>

namespace winbpf::monitor
{

/// Writes buffered lines to a file descriptor in as few write(2) calls as possible.
class OutputWriter
{
  public:
    /// Writes to fd (not owned).
    explicit OutputWriter(int fd) noexcept : fd_(fd) {}

    /// Writes all of buffer and clears it. Returns false when the descriptor failed (errno kept in error());
    /// after a failure nothing more is written. EINTR is retried.
    bool flush(std::string &buffer);

    /// errno of the failed write, 0 while none failed.
    int error() const noexcept { return error_; }

  private:
    int fd_;
    int error_ = 0;
};

} // namespace winbpf::monitor
