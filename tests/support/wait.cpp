// SPDX-License-Identifier: MIT
#include "support/wait.hpp"

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

} // namespace winbpf::test
