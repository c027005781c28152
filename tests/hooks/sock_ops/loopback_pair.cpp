// SPDX-License-Identifier: MIT
#include "loopback_pair.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <cerrno>
#include <system_error>

namespace sock_ops_test
{

UniqueFd open_socket(int family, Protocol protocol)
{
    UniqueFd fd(::socket(family, (protocol == Protocol::tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "socket");
    if (family == AF_INET6) {
        int off = 0; // dual-stack: IPv4-mapped destinations work
        if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) != 0)
            throw std::system_error(errno, std::generic_category(), "IPV6_V6ONLY");
    }
    return fd;
}

Pair::Pair(Mode m, Protocol p) : mode(m), protocol(p)
{
    const int server_family = mode == Mode::v6 ? AF_INET6 : AF_INET;
    const int client_family = mode == Mode::v4 ? AF_INET : AF_INET6;
    server = open_socket(server_family, protocol);
    sockaddr_storage at = loopback(server_family, 0);
    if (::bind(server.get(), reinterpret_cast<sockaddr *>(&at), sockaddr_length(at)) != 0)
        throw std::system_error(errno, std::generic_category(), "bind server");
    if (protocol == Protocol::tcp && ::listen(server.get(), 16) != 0)
        throw std::system_error(errno, std::generic_category(), "listen");
    server_port = winbpf::test::local_port(server.get());
    client = open_socket(client_family, protocol);
    sockaddr_storage from = loopback(client_family, 0, mode == Mode::mapped);
    if (::bind(client.get(), reinterpret_cast<sockaddr *>(&from), sockaddr_length(from)) != 0)
        throw std::system_error(errno, std::generic_category(), "bind client");
    client_port = winbpf::test::local_port(client.get());
}

sockaddr_storage Pair::server_address() const
{
    return loopback(mode == Mode::v4 ? AF_INET : AF_INET6, server_port, mode == Mode::mapped);
}

int Pair::exchange()
{
    const sockaddr_storage to = server_address();
    if (protocol == Protocol::udp) {
        if (::sendto(client.get(), "ping", 4, 0, reinterpret_cast<const sockaddr *>(&to), sockaddr_length(to)) < 0)
            return errno;
        pollfd p{server.get(), POLLIN, 0};
        char buffer[16];
        return ::poll(&p, 1, 1000) == 1 && ::recv(server.get(), buffer, sizeof(buffer), 0) == 4 ? 0 : ETIMEDOUT;
    }
    if (::connect(client.get(), reinterpret_cast<const sockaddr *>(&to), sockaddr_length(to)) != 0)
        return errno;
    pollfd p{server.get(), POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1)
        return ETIMEDOUT;
    accepted = UniqueFd(::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC));
    return accepted ? 0 : errno;
}

} // namespace sock_ops_test
