// SPDX-License-Identifier: MIT
// Windows compartment ids of Linux network namespaces (sock_addr's compartment_id: 1 for the initial namespace, else
// the namespace's cookie).
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"
#include "winbpf/unique_fd.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace winbpf
{

namespace
{

constexpr ino_t kInitialNetnsInode = 0xEFFFFFF9; // PROC_NET_INIT_INO (include/linux/proc_ns.h)

UniqueFd open_netns(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        throw Error("network namespace '" + path + "': " + detail::errno_text(err), err);
    }
    return fd;
}

// The cookie of the network namespace of a socket created in the one at fd (the calling thread enters it and
// returns to its own).
std::uint64_t netns_cookie(int netns_fd, const std::string &path)
{
    UniqueFd own = open_netns("/proc/thread-self/ns/net");
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
        int err = errno;
        throw Error("network namespace '" + path + "': entering it: " + detail::errno_text(err) +
                        (err == EINVAL ? " (not a network namespace)" : ""),
                    err);
    }
    UniqueFd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    int err = probe ? 0 : errno;
    std::uint64_t cookie = 0;
    socklen_t size = sizeof(cookie);
    if (probe && ::getsockopt(probe.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &size) != 0)
        err = errno;
    if (::setns(own.get(), CLONE_NEWNET) != 0) {
        int back = errno;
        throw Error("network namespace '" + path + "': returning to the thread's own: " + detail::errno_text(back),
                    back);
    }
    if (err != 0)
        throw Error(
            "network namespace '" + path + "': reading its cookie (SO_NETNS_COOKIE): " + detail::errno_text(err), err);
    return cookie;
}

} // namespace

std::uint32_t compartment_id(const std::string &netns_path)
{
    UniqueFd target = open_netns(netns_path);
    struct stat status {
    };
    if (::fstat(target.get(), &status) != 0) {
        int err = errno;
        throw Error("network namespace '" + netns_path + "': " + detail::errno_text(err), err);
    }
    const std::uint64_t cookie = netns_cookie(target.get(), netns_path);
    // The initial network namespace has a fixed inode number (PROC_NET_INIT_INO); PID 1's namespace file may not be
    // readable to compare with.
    if (status.st_ino == kInitialNetnsInode)
        return 1;
    return static_cast<std::uint32_t>(cookie);
}

} // namespace winbpf
