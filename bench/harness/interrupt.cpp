// SPDX-License-Identifier: MIT
#include "interrupt.hpp"

#include <atomic>

namespace winbpf::bench
{
namespace
{

std::atomic<bool> interrupt_flag{false};

void on_signal(int)
{
    interrupt_flag.store(true);
}

} // namespace

InterruptGuard::InterruptGuard()
{
    struct sigaction action {
    };
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
}

InterruptGuard::~InterruptGuard()
{
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
}

bool interrupted() noexcept
{
    return interrupt_flag.load();
}

void throw_if_interrupted()
{
    if (interrupted())
        throw Interrupted();
}

} // namespace winbpf::bench
