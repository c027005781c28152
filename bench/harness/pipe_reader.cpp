// SPDX-License-Identifier: MIT
#include "pipe_reader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <system_error>
#include <unistd.h>

namespace winbpf::bench
{

PipeReader::PipeReader(std::size_t text_limit) : text_limit_(text_limit)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    read_.reset(fds[0]);
    write_.reset(fds[1]);
    fcntl(fds[0], F_SETPIPE_SZ, 1 << 20); // fewer wake-ups of the tool; best effort
}

PipeReader::~PipeReader() = default;

void PipeReader::start()
{
    write_.reset();
    thread_ = std::jthread([this](std::stop_token stop) { drain(stop); });
}

void PipeReader::drain(std::stop_token stop)
{
    std::array<char, 64 * 1024> buffer{};
    while (!stop.stop_requested()) {
        pollfd entry{read_.get(), POLLIN, 0};
        const int ready = poll(&entry, 1, 100);
        if (ready < 0 && errno != EINTR)
            break;
        if (ready <= 0)
            continue;
        const ssize_t got = read(read_.get(), buffer.data(), buffer.size());
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            break;
        const auto newlines = static_cast<std::uint64_t>(std::count(buffer.data(), buffer.data() + got, '\n'));
        const std::lock_guard lock(mutex_);
        lines_ += newlines;
        if (text_.size() < text_limit_)
            text_.append(buffer.data(), std::min(static_cast<std::size_t>(got), text_limit_ - text_.size()));
        changed_.notify_all();
    }
    const std::lock_guard lock(mutex_);
    eof_ = true;
    changed_.notify_all();
}

bool PipeReader::wait_for_text(std::string_view needle, std::chrono::steady_clock::time_point deadline)
{
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return eof_ || text_.find(needle) != std::string::npos; });
    return text_.find(needle) != std::string::npos;
}

bool PipeReader::wait_for_eof(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return eof_; });
}

std::string PipeReader::text() const
{
    const std::lock_guard lock(mutex_);
    return text_;
}

std::uint64_t PipeReader::lines() const
{
    const std::lock_guard lock(mutex_);
    return lines_;
}

} // namespace winbpf::bench
