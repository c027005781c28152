// SPDX-License-Identifier: MIT
// Loopback TCP and UDP flows between two sockets of the test process, for the sockops hook and connection_monitor
// tests: IPv4, IPv6 and IPv4-mapped IPv6 on dual-stack sockets.
#pragma once

#include "support/socket.hpp"
#include "winbpf/unique_fd.hpp"

#include <sys/socket.h>

#include <cstdint>

namespace sock_ops_test
{

using winbpf::UniqueFd;
using winbpf::test::Protocol;

/// IPv4 (AF_INET to 127.0.0.1), IPv6 (AF_INET6 to ::1) or IPv4-mapped (a dual-stack AF_INET6 client to
/// ::ffff:127.0.0.1, an AF_INET server).
enum class Mode { v4, v6, mapped };

/// A socket of family (AF_INET6: dual-stack) and protocol; throws std::system_error.
UniqueFd open_socket(int family, Protocol protocol);

using winbpf::test::loopback;
using winbpf::test::sockaddr_length;

/// A server of mode's server family on loopback:0 (TCP: listening) and a client of the client family bound to
/// loopback:0, both of this process. Throws std::system_error.
struct Pair {
    Mode mode;
    Protocol protocol;
    UniqueFd server, client, accepted;
    std::uint16_t server_port = 0, client_port = 0;

    Pair(Mode m, Protocol p);
    /// The server's address as the client reaches it.
    sockaddr_storage server_address() const;
    /// TCP: connect (0 or errno) and accept within 1 s (ETIMEDOUT); UDP: one datagram client -> server, received
    /// within 1 s (0, errno of sendto, or ETIMEDOUT).
    int exchange();
};

} // namespace sock_ops_test
