// SPDX-License-Identifier: MIT
// Two network namespaces of the test's own, joined by a veth pair: traffic between them never leaves the test.
#pragma once

#include "winbpf/unique_fd.hpp"

#include <cstdint>
#include <string>

namespace winbpf::test
{

/// Network namespaces winbpf-<pid>-<n>-a and -b (ip netns), each with one end of a veth pair, up, addressed
/// 10.213.<n>.1/24 (side a) and 10.213.<n>.2/24 (side b), and loopback up. Both are deleted (with the veth pair) on
/// destruction. Throws std::runtime_error when ip(8) fails.
class VethPair
{
  public:
    enum Side { a = 0, b = 1 };
    VethPair();
    VethPair(const VethPair &) = delete;
    VethPair &operator=(const VethPair &) = delete;
    ~VethPair();

    /// Namespace name (for `ip netns exec`), its bind mount (/run/netns/NAME, for nsenter --net=), interface name and
    /// IPv4 address (dotted) of one side.
    const std::string &netns(Side side) const { return netns_[side]; }
    std::string netns_path(Side side) const { return "/run/netns/" + netns_[side]; }
    const std::string &interface(Side side) const { return interface_[side]; }
    const std::string &address(Side side) const { return address_[side]; }
    /// The interface's Linux ifindex inside its namespace.
    unsigned ifindex(Side side) const;

  private:
    std::string netns_[2], interface_[2], address_[2];
};

/// While alive, the calling thread is in the network namespace at path (setns); it returns to the previous one on
/// destruction. Sockets created meanwhile stay in that namespace. Throws std::system_error.
class NetnsScope
{
  public:
    explicit NetnsScope(const std::string &path);
    NetnsScope(const NetnsScope &) = delete;
    NetnsScope &operator=(const NetnsScope &) = delete;
    ~NetnsScope();

  private:
    UniqueFd previous_;
};

/// A UDP socket bound to address:port (port 0: the kernel chooses) in the namespace at netns_path.
UniqueFd udp_socket_in(const std::string &netns_path, const std::string &address, std::uint16_t port = 0);

/// Sends a datagram with size payload bytes from fd to address:port. Throws std::system_error.
void send_datagram(int fd, const std::string &address, std::uint16_t port, std::size_t size);

/// Receives one datagram within timeout_ms: its size, or -1 when none came.
long receive_datagram(int fd, int timeout_ms);

} // namespace winbpf::test
