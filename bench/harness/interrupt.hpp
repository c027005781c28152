// SPDX-License-Identifier: MIT
// Ctrl-C / SIGTERM handling: the bench stops between execs and unwinds, so every child is cleaned up.
#pragma once

#include <csignal>
#include <stdexcept>

namespace winbpf::bench
{

/// Thrown when SIGINT or SIGTERM arrived while an InterruptGuard was alive.
class Interrupted : public std::runtime_error
{
  public:
    Interrupted() : std::runtime_error("interrupted") {}
};

/// While alive, SIGINT and SIGTERM only set a flag (checked by interrupted()); the old dispositions are restored on
/// destruction. Only one instance may exist at a time.
class InterruptGuard
{
  public:
    InterruptGuard();
    InterruptGuard(const InterruptGuard &) = delete;
    InterruptGuard &operator=(const InterruptGuard &) = delete;
    ~InterruptGuard();

  private:
    struct sigaction old_int_ {
    };
    struct sigaction old_term_ {
    };
};

/// True once SIGINT or SIGTERM arrived.
bool interrupted() noexcept;

/// Throws Interrupted when interrupted().
void throw_if_interrupted();

} // namespace winbpf::bench
