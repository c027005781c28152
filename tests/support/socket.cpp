// SPDX-License-Identifier: MIT
#include "support/socket.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace winbpf::test
{

sockaddr_in loopback_v4(std::uint16_t port)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

sockaddr_storage loopback(int family, std::uint16_t port, bool mapped)
{
    sockaddr_storage address{};
    if (family == AF_INET) {
        auto &in = reinterpret_cast<sockaddr_in &>(address);
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
        auto &in6 = reinterpret_cast<sockaddr_in6 &>(address);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(port);
        if (mapped)
            inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
        else
            in6.sin6_addr = in6addr_loopback;
    }
    return address;
}

socklen_t sockaddr_length(const sockaddr_storage &address)
{
    return address.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

std::string to_string(Family family)
{
    return family == Family::v4 ? "IPv4" : "IPv6";
}

std::string to_string(Protocol protocol)
{
    return protocol == Protocol::tcp ? "TCP" : "UDP";
}

Socket::Socket(Family family, Protocol protocol)
    : family_(family), fd_(::socket(family == Family::v4 ? AF_INET : AF_INET6,
                                    (protocol == Protocol::tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0))
{
    if (!fd_)
        throw std::system_error(errno, std::generic_category(), "socket");
}

int Socket::bind(std::uint16_t port)
{
    int result;
    if (family_ == Family::v4) {
        sockaddr_in address = loopback_v4(port);
        result = ::bind(fd_.get(), reinterpret_cast<sockaddr *>(&address), sizeof(address));
    } else {
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_port = htons(port);
        address.sin6_addr = in6addr_loopback;
        result = ::bind(fd_.get(), reinterpret_cast<sockaddr *>(&address), sizeof(address));
    }
    return result == 0 ? 0 : errno;
}

std::uint16_t local_port(int fd)
{
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        throw std::system_error(errno, std::generic_category(), "getsockname");
    return ntohs(address.ss_family == AF_INET ? reinterpret_cast<sockaddr_in *>(&address)->sin_port
                                              : reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port);
}

std::uint16_t Socket::local_port() const
{
    return test::local_port(fd_.get());
}

Socket bound_loopback(Family family, Protocol protocol)
{
    Socket socket(family, protocol);
    if (int err = socket.bind(0); err != 0)
        throw std::system_error(err, std::generic_category(), "bind to loopback port 0");
    return socket;
}

std::uint16_t free_port(Family family, Protocol protocol)
{
    return bound_loopback(family, protocol).local_port();
}

} // namespace winbpf::test
