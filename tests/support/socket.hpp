// SPDX-License-Identifier: MIT
// Real sockets of the test process on loopback (127.0.0.1, ::1) only.
#pragma once

#include "winbpf/unique_fd.hpp"

#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>

namespace winbpf::test
{

/// Address families and protocols the tests run over.
enum class Family { v4, v6 };
enum class Protocol { tcp, udp };
std::string to_string(Family family);
std::string to_string(Protocol protocol);

/// A socket of this process (closed on destruction).
class Socket
{
  public:
    /// socket(2) for family and protocol; throws std::system_error.
    Socket(Family family, Protocol protocol);
    /// Takes fd, e.g. from accept4 (family v4).
    explicit Socket(UniqueFd fd, Family family = Family::v4) : family_(family), fd_(std::move(fd)) {}
    /// bind(2) to the loopback address (127.0.0.1 or ::1) and port (host number; 0: the kernel chooses). 0 or errno.
    int bind(std::uint16_t port);
    /// The bound port (getsockname), host number; throws std::system_error.
    std::uint16_t local_port() const;
    /// Closes now.
    void close() { fd_.reset(); }
    int fd() const { return fd_.get(); }

  private:
    Family family_;
    UniqueFd fd_;
};

/// The port fd is bound to (getsockname; IPv4 or IPv6), host number; throws std::system_error.
std::uint16_t local_port(int fd);

/// 127.0.0.1:port (host number).
sockaddr_in loopback_v4(std::uint16_t port);

/// The loopback address of family (AF_INET: 127.0.0.1; AF_INET6: ::1, or ::ffff:127.0.0.1 when mapped, for a
/// dual-stack socket reaching IPv4) at port (host number).
sockaddr_storage loopback(int family, std::uint16_t port, bool mapped = false);

/// sizeof the sockaddr of address's family (sockaddr_in or sockaddr_in6).
socklen_t sockaddr_length(const sockaddr_storage &address);

/// A socket bound to the loopback address of family at port 0 (the kernel chooses the port, see local_port()).
/// Throws std::system_error.
Socket bound_loopback(Family family, Protocol protocol);

/// A port (host number) that is free on loopback for family right now: bound to port 0 and released again.
std::uint16_t free_port(Family family, Protocol protocol);

} // namespace winbpf::test
