// SPDX-License-Identifier: MIT
#include "stop_signals.hpp"

#include <cerrno>
#include <system_error>

namespace winbpf::monitor
{
namespace
{

volatile std::sig_atomic_t stop_flag = 0;

void on_stop_signal(int)
{
    stop_flag = 1;
}

void install(int signal, void (*handler)(int), struct sigaction &old)
{
    struct sigaction action {
    };
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: interrupt the ring buffer poll
    if (sigaction(signal, &action, &old) != 0)
        throw std::system_error(errno, std::generic_category(), "sigaction");
}

} // namespace

StopSignals::StopSignals()
{
    stop_flag = 0;
    install(SIGINT, on_stop_signal, old_int_);
    install(SIGTERM, on_stop_signal, old_term_);
    install(SIGPIPE, SIG_IGN, old_pipe_);
}

StopSignals::~StopSignals()
{
    sigaction(SIGPIPE, &old_pipe_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGINT, &old_int_, nullptr);
}

bool StopSignals::requested() const noexcept
{
    return stop_flag != 0;
}

} // namespace winbpf::monitor
