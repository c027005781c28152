// SPDX-License-Identifier: MIT
#include "winbpf/redirect_context.hpp"

#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/unique_fd.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/bpf.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace winbpf
{
namespace
{

// The value layout of WINBPF_MAP_REDIRECT (struct winbpf_redirect_context of winbpf/sock_addr_glue.h).
struct RedirectValue {
    __u32 size;
    unsigned char data[128];
};

// Address words (network order) and port (host order) of a socket address; IPv4-mapped IPv6 as IPv4 when unmap.
void endpoint(const sockaddr_storage &address, __u32 ip[4], __u32 &port, bool unmap)
{
    std::memset(ip, 0, 16);
    if (address.ss_family == AF_INET) {
        const auto &in = reinterpret_cast<const sockaddr_in &>(address);
        ip[0] = in.sin_addr.s_addr;
        port = ntohs(in.sin_port);
        return;
    }
    const auto &in6 = reinterpret_cast<const sockaddr_in6 &>(address);
    std::memcpy(ip, &in6.sin6_addr, 16);
    port = ntohs(in6.sin6_port);
    if (unmap && IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
        ip[0] = ip[3];
        ip[1] = ip[2] = ip[3] = 0;
    }
}

// The keys the client socket may have used: its family as the proxy sees it, and for IPv4 also the IPv4-mapped form
// a dual-stack IPv6 client has.
std::vector<winbpf_redirect_key> candidate_keys(const sockaddr_storage &peer, const sockaddr_storage &local)
{
    std::vector<winbpf_redirect_key> keys;
    winbpf_redirect_key key{};
    const bool v4 =
        peer.ss_family == AF_INET || IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<const sockaddr_in6 &>(peer).sin6_addr);
    endpoint(peer, key.local_ip, key.local_port, true);
    endpoint(local, key.remote_ip, key.remote_port, true);
    key.family = v4 ? AF_INET : AF_INET6;
    keys.push_back(key);
    if (v4) {
        winbpf_redirect_key mapped = key;
        mapped.family = AF_INET6;
        for (__u32 *ip : {mapped.local_ip, mapped.remote_ip}) {
            ip[3] = ip[0];
            ip[0] = ip[1] = 0;
            ip[2] = htonl(0xffff);
        }
        keys.push_back(mapped);
    }
    return keys;
}

// The context filed under one of the keys of (peer, local) in any loaded winbpf_redirect map, or nullopt.
std::optional<std::vector<std::byte>> find_context(const sockaddr_storage &peer, const sockaddr_storage &local);

} // namespace

std::optional<std::vector<std::byte>> redirect_context(int fd, const sockaddr *peer, socklen_t peer_size)
{
    sockaddr_storage from{}, local{};
    socklen_t local_size = sizeof(local);
    if (!peer || peer_size > sizeof(from) || (peer->sa_family != AF_INET && peer->sa_family != AF_INET6))
        throw Error("redirect context: the peer address is not an IPv4 or IPv6 address", EINVAL);
    std::memcpy(&from, peer, peer_size);
    if (getsockname(fd, reinterpret_cast<sockaddr *>(&local), &local_size) != 0) {
        int err = errno;
        throw Error("redirect context: socket " + std::to_string(fd) + ": " + detail::errno_text(err), err);
    }
    if (local.ss_family != AF_INET && local.ss_family != AF_INET6)
        throw Error("redirect context: socket " + std::to_string(fd) + " is not an IPv4 or IPv6 socket", EINVAL);
    return find_context(from, local);
}

std::optional<std::vector<std::byte>> redirect_context(int accepted_fd)
{
    sockaddr_storage peer{}, local{};
    socklen_t peer_size = sizeof(peer), local_size = sizeof(local);
    if (getpeername(accepted_fd, reinterpret_cast<sockaddr *>(&peer), &peer_size) != 0 ||
        getsockname(accepted_fd, reinterpret_cast<sockaddr *>(&local), &local_size) != 0) {
        int err = errno;
        throw Error("redirect context: socket " + std::to_string(accepted_fd) +
                        " is not a connected socket: " + detail::errno_text(err),
                    err);
    }
    if (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)
        throw Error("redirect context: socket " + std::to_string(accepted_fd) + " is not an IPv4 or IPv6 socket",
                    EINVAL);
    return find_context(peer, local);
}

namespace
{

std::optional<std::vector<std::byte>> find_context(const sockaddr_storage &peer, const sockaddr_storage &local)
{
    const std::vector<winbpf_redirect_key> keys = candidate_keys(peer, local);
    __u32 id = 0;
    while (bpf_map_get_next_id(id, &id) == 0) {
        UniqueFd map(bpf_map_get_fd_by_id(id));
        if (!map)
            continue; // freed meanwhile
        bpf_map_info info{};
        __u32 info_size = sizeof(info);
        if (bpf_obj_get_info_by_fd(map.get(), &info, &info_size) != 0 ||
            std::strcmp(info.name, WINBPF_MAP_REDIRECT) != 0 || info.key_size != sizeof(winbpf_redirect_key) ||
            info.value_size != sizeof(RedirectValue))
            continue;
        for (const winbpf_redirect_key &key : keys) {
            RedirectValue value{};
            if (bpf_map_lookup_elem(map.get(), &key, &value) == 0 && value.size <= sizeof(value.data)) {
                const auto *bytes = reinterpret_cast<const std::byte *>(value.data);
                return std::vector<std::byte>(bytes, bytes + value.size);
            }
        }
    }
    if (errno != ENOENT) {
        int err = errno;
        throw Error("redirect context: listing BPF maps: " + detail::errno_text(err), err);
    }
    return std::nullopt;
}

} // namespace

} // namespace winbpf
