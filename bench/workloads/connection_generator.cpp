// SPDX-License-Identifier: MIT
// connection_generator: the TCP connection workload of winbpf_bench (connections; reusable by any bench of the connect
// path), in a process of its own (which the bench puts in its own cgroup). It listens on 127.0.0.1:0 (or [::1]:0),
// then runs CONNECTIONS cycles of socket + connect + accept + close (client, then server side) and prints
// "<done> <failures> <elapsed ns>" on stdout. Loopback only. The client closes with SO_LINGER 0 (a reset, as a
// client that gives up does): tens of thousands of connections a second would otherwise fill the ephemeral ports with
// TIME_WAIT sockets and later connects would fail.
//
// Usage: connection_generator CONNECTIONS [4|6]. Exit 0 when the counts were printed, 2 on bad arguments, 1 when the
// listener cannot be set up.
#include "generator_main.hpp"

#include "winbpf/unique_fd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

int main(int argc, char **argv)
{
    std::uint64_t connections = 0;
    const std::string_view family_arg = argc == 3 ? argv[2] : "4";
    if ((argc != 2 && argc != 3) || !winbpf::bench::generator::parse_count(argv[1], connections) ||
        (family_arg != "4" && family_arg != "6")) {
        std::fputs("usage: connection_generator CONNECTIONS [4|6]\n", stderr);
        return 2;
    }
    const int family = family_arg == "6" ? AF_INET6 : AF_INET;
    sockaddr_storage address{};
    socklen_t length = 0;
    if (family == AF_INET) {
        auto &in = reinterpret_cast<sockaddr_in &>(address);
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        length = sizeof in;
    } else {
        auto &in6 = reinterpret_cast<sockaddr_in6 &>(address);
        in6.sin6_family = AF_INET6;
        in6.sin6_addr = in6addr_loopback;
        length = sizeof in6;
    }
    const winbpf::UniqueFd listener(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener || bind(listener.get(), reinterpret_cast<const sockaddr *>(&address), length) != 0 ||
        listen(listener.get(), 128) != 0 ||
        getsockname(listener.get(), reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        std::fprintf(stderr, "connection_generator: listening on loopback: %s\n", std::strerror(errno));
        return 1;
    }

    std::uint64_t done = 0;
    std::uint64_t failures = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < connections; ++i) {
        winbpf::UniqueFd client(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!client || connect(client.get(), reinterpret_cast<const sockaddr *>(&address), length) != 0) {
            ++failures;
            continue;
        }
        winbpf::UniqueFd accepted(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!accepted)
            ++failures;
        const linger reset{1, 0};
        setsockopt(client.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        client.reset();
        accepted.reset();
        ++done;
    }
    winbpf::bench::generator::print_result(done, failures, std::chrono::steady_clock::now() - start);
    return 0;
}
