// SPDX-License-Identifier: MIT
// Waiting in tests for something the kernel does a moment later: a condition checked at intervals, or ring buffer
// records consumed until a condition holds.
#pragma once

#include "winbpf/ring_buffer.hpp"

#include <chrono>
#include <functional>

namespace winbpf::test
{

/// Checks done() now and then every interval until it is true (true) or timeout has passed (false).
bool wait_until(const std::function<bool()> &done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(10));

/// Polls ring (its callback runs for each record) until done() is true (true) or timeout has passed (false), waiting
/// at most 50 ms per poll. done() is checked before the first poll and after each.
bool poll_until(winbpf::RingBufferConsumer &ring, const std::function<bool()> &done, std::chrono::milliseconds timeout);

} // namespace winbpf::test
