// SPDX-License-Identifier: MIT
#include "support/wait.hpp"

#include <algorithm>
#include <thread>

namespace winbpf::test
{

bool wait_until(const std::function<bool()> &done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(interval);
    }
    return true;
}

bool poll_until(winbpf::RingBufferConsumer &ring, const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        ring.poll(std::min(left, std::chrono::milliseconds(50)));
    }
    return true;
}

} // namespace winbpf::test
