// SPDX-License-Identifier: MIT
// bind_generator: the bind workload of winbpf_bench, in a process of its own (which the bench puts in its own
// cgroup). It runs BINDS socket(AF_INET, SOCK_STREAM) + bind(127.0.0.1:0) + close cycles and prints
// "<done> <failures> <elapsed ns>" on stdout. Loopback only: the kernel picks a free ephemeral port each time, and
// a socket that never listened or connected leaves nothing behind on close.
//
// Usage: bind_generator BINDS. Exit 0 when the counts were printed, 2 on bad arguments.
#include "generator_main.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    std::uint64_t binds = 0;
    if (argc != 2 || !winbpf::bench::generator::parse_count(argv[1], binds)) {
        std::fputs("usage: bind_generator BINDS\n", stderr);
        return 2;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    std::uint64_t done = 0;
    std::uint64_t failures = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < binds; ++i) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            ++failures;
            continue;
        }
        if (bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
            ++failures;
        close(fd);
        ++done;
    }
    winbpf::bench::generator::print_result(done, failures, std::chrono::steady_clock::now() - start);
    return 0;
}
