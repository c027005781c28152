// SPDX-License-Identifier: MIT
#include "support/netns.hpp"

#include "support/child.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace winbpf::test
{

namespace
{

std::string ip_path()
{
    for (const char *path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
        if (::access(path, X_OK) == 0)
            return path;
    throw std::runtime_error("ip(8) not found (package iproute2)");
}

void ip(const std::vector<std::string> &arguments)
{
    std::vector<std::string> argv{ip_path()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    CommandResult result = run(argv);
    if (result.exit_code() != 0) {
        std::string command;
        for (const std::string &a : argv)
            command += a + " ";
        throw std::runtime_error("'" + command + "' failed: " + result.err);
    }
}

std::atomic<int> pairs{0};

} // namespace

VethPair::VethPair()
{
    const int n = pairs++ % 250;
    const std::string base = "winbpf-" + std::to_string(::getpid()) + "-" + std::to_string(n);
    const std::string short_base = "wb" + std::to_string(::getpid() % 100000) + "x" + std::to_string(n);
    for (Side side : {a, b}) {
        netns_[side] = base + (side == a ? "-a" : "-b");
        interface_[side] = short_base + (side == a ? "a" : "b");
        address_[side] = "10.213." + std::to_string(n) + (side == a ? ".1" : ".2");
    }
    try {
        ip({"netns", "add", netns_[a]});
        ip({"netns", "add", netns_[b]});
        ip({"link", "add", interface_[a], "netns", netns_[a], "type", "veth", "peer", "name", interface_[b], "netns",
            netns_[b]});
        for (Side side : {a, b}) {
            ip({"-n", netns_[side], "addr", "add", address_[side] + "/24", "dev", interface_[side]});
            ip({"-n", netns_[side], "link", "set", interface_[side], "up"});
            ip({"-n", netns_[side], "link", "set", "lo", "up"});
        }
    } catch (...) {
        run({ip_path(), "netns", "del", netns_[a]});
        run({ip_path(), "netns", "del", netns_[b]});
        throw;
    }
}

VethPair::~VethPair()
{
    for (Side side : {a, b}) {
        CommandResult result = run({ip_path(), "netns", "del", netns_[side]});
        if (result.exit_code() != 0)
            ADD_FAILURE_AT(__FILE__, __LINE__) << "removing netns " << netns_[side] << ": " << result.err;
    }
}

unsigned VethPair::ifindex(Side side) const
{
    NetnsScope scope(netns_path(side));
    unsigned index = if_nametoindex(interface_[side].c_str());
    if (index == 0)
        throw std::system_error(errno, std::generic_category(), "if_nametoindex " + interface_[side]);
    return index;
}

NetnsScope::NetnsScope(const std::string &path) : previous_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC))
{
    if (!previous_)
        throw std::system_error(errno, std::generic_category(), "open /proc/thread-self/ns/net");
    UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!target || ::setns(target.get(), CLONE_NEWNET) != 0)
        throw std::system_error(errno, std::generic_category(), "entering network namespace " + path);
}

NetnsScope::~NetnsScope()
{
    if (::setns(previous_.get(), CLONE_NEWNET) != 0)
        ADD_FAILURE_AT(__FILE__, __LINE__) << "returning to the test's network namespace failed";
}

UniqueFd udp_socket_in(const std::string &netns_path, const std::string &address, std::uint16_t port)
{
    NetnsScope scope(netns_path);
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &local.sin_addr) != 1)
        throw std::runtime_error("bad IPv4 address " + address);
    if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&local), sizeof(local)) != 0)
        throw std::system_error(errno, std::generic_category(), "bind " + address);
    return fd;
}

void send_datagram(int fd, const std::string &address, std::uint16_t port, std::size_t size)
{
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &to.sin_addr) != 1)
        throw std::runtime_error("bad IPv4 address " + address);
    std::vector<char> payload(size, 'x');
    if (::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to)) < 0)
        throw std::system_error(errno, std::generic_category(), "sendto " + address);
}

long receive_datagram(int fd, int timeout_ms)
{
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0)
        return -1;
    char buffer[2048];
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    return n < 0 ? -1 : static_cast<long>(n);
}

} // namespace winbpf::test
