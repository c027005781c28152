// SPDX-License-Identifier: MIT
// Complete writes of prepared bytes to a file descriptor: the session's stdout and a recording's file.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <unistd.h>

namespace winbpf::monitor
{

/// Complete, unbuffered writes of prepared lines to a file descriptor (not owned).
class OutputWriter
{
  public:
    explicit OutputWriter(int fd) noexcept : fd_(fd) {}

    /// Writes all of buffer (EINTR retried) and clears it. After a failure (errno in error()) nothing more is written.
    void flush(std::string &buffer) noexcept
    {
        write(buffer);
        buffer.clear();
    }

    /// Writes all of bytes (EINTR retried); false when they were not all written (now or at an earlier failure).
    bool write(std::string_view bytes) noexcept
    {
        std::size_t done = 0;
        while (error_ == 0 && done < bytes.size()) {
            const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
            if (n >= 0)
                done += static_cast<std::size_t>(n);
            else if (errno != EINTR)
                error_ = errno;
        }
        return done == bytes.size();
    }

    /// errno of the failed write, 0 while none failed.
    int error() const noexcept { return error_; }

  private:
    int fd_;
    int error_ = 0;
};

} // namespace winbpf::monitor
