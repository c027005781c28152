// SPDX-License-Identifier: MIT
// Waiting in tests for something the kernel does a moment later: a condition checked at intervals, or ring buffer or
// perf buffer records consumed until a condition holds.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>

namespace winbpf::test
{

/// Checks done() now and then every interval until it is true (true) or timeout has passed (false).
bool wait_until(const std::function<bool()> &done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(10));

/// Polls consumer (a winbpf::RingBufferConsumer or PerfEventConsumer: its callback runs for each record) until done()
/// is true (true) or timeout has passed (false), waiting at most 50 ms per poll. done() is checked before the first
/// poll and after each.
template <typename Consumer>
bool poll_until(Consumer &consumer, const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        consumer.poll(std::min(left, std::chrono::milliseconds(50)));
    }
    return true;
}

} // namespace winbpf::test
