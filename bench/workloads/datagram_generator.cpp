// SPDX-License-Identifier: MIT
// datagram_generator: the drop workload of winbpf_bench, in a process of its own. It finds a closed UDP port on
// 127.0.0.1 (binds a socket to port 0, reads the port, closes the socket), then sends DATAGRAMS datagrams of BYTES
// bytes (default 64) to it from one unconnected UDP socket: the kernel drops each on receive with reason NO_SOCKET
// (kfree_skb), within the sendto. It prints "<done> <failures> <elapsed ns>" on stdout, timing the send loop only.
// A datagram counts as failed when sendto fails, and the whole shortfall counts when the system's Udp NoPorts
// counter (/proc/net/snmp) grew by less than the number sent (a datagram not dropped for want of a socket).
// Loopback only; an unconnected socket gets no ICMP errors back, so every sendto succeeds.
//
// Usage: datagram_generator DATAGRAMS [BYTES]. Exit 0 when the counts were printed, 1 on a setup failure, 2 on bad
// arguments.
#include "generator_main.hpp"
#include "winbpf/unique_fd.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <optional>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace
{

/// A new UDP socket (empty when socket(2) failed, errno set).
winbpf::UniqueFd udp_socket()
{
    return winbpf::UniqueFd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

/// A UDP port on 127.0.0.1 that no socket has (it had one a moment ago: the kernel picked it free), or nullopt.
std::optional<in_port_t> closed_port()
{
    const winbpf::UniqueFd probe = udp_socket();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (probe.get() < 0 || bind(probe.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0 ||
        getsockname(probe.get(), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return std::nullopt;
    return address.sin_port; // network byte order; the socket closes here
}

/// The system's Udp NoPorts counter (datagrams received for a port without a socket), or nullopt.
std::optional<std::uint64_t> udp_no_ports()
{
    std::ifstream snmp("/proc/net/snmp");
    std::string names, values;
    while (std::getline(snmp, names) && std::getline(snmp, values)) {
        if (names.rfind("Udp: ", 0) != 0)
            continue;
        std::istringstream name_fields(names), value_fields(values);
        std::string name, value;
        while (name_fields >> name && value_fields >> value)
            if (name == "NoPorts")
                return std::stoull(value);
    }
    return std::nullopt;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t datagrams = 0;
    std::uint64_t bytes = 64;
    if (argc < 2 || argc > 3 || !winbpf::bench::generator::parse_count(argv[1], datagrams) ||
        (argc == 3 && (!winbpf::bench::generator::parse_count(argv[2], bytes) || bytes > 65000))) {
        std::fputs("usage: datagram_generator DATAGRAMS [BYTES (1-65000, default 64)]\n", stderr);
        return 2;
    }
    const winbpf::UniqueFd sender = udp_socket();
    const std::optional<in_port_t> port = closed_port();
    const std::optional<std::uint64_t> no_ports_before = udp_no_ports();
    if (sender.get() < 0 || !port || !no_ports_before) {
        std::fprintf(stderr, "datagram_generator: setup failed: %s\n", std::strerror(errno));
        return 1;
    }
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = *port;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const std::vector<char> payload(bytes, 'x');

    std::uint64_t sent = 0;
    std::uint64_t failures = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < datagrams; ++i) {
        if (sendto(sender.get(), payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr *>(&target),
                   sizeof target) == static_cast<ssize_t>(payload.size()))
            ++sent;
        else
            ++failures;
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const std::uint64_t dropped = udp_no_ports().value_or(*no_ports_before) - *no_ports_before;
    if (dropped < sent)
        failures += sent - dropped;
    winbpf::bench::generator::print_result(datagrams, failures, elapsed);
    return 0;
}
