// SPDX-License-Identifier: MIT
// The redirect context of a connection a sock_addr connect program redirected: winbpf's counterpart of Windows'
// SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, for the local proxy that accepted the connection.
#pragma once

#include <cstddef>
#include <optional>
#include <sys/socket.h>
#include <vector>

namespace winbpf
{

/// The bytes a connect4/connect6 handler passed to bpf_sock_addr_set_redirect_context for the TCP connection that the
/// socket accepted_fd (returned by accept(2) in the proxy the connection was redirected to) is the server side of, or
/// nullopt when no loaded winbpf object holds one for it. Found by the connection's tuple (the proxy's peer and local
/// endpoints, IPv4-mapped peers included) in every loaded winbpf_redirect map (shim/include/winbpf/abi.h); kept until
/// the map's least recently used entries make room (16384 connections per object). Needs CAP_BPF (or root) to read
/// the maps. Throws winbpf::Error when accepted_fd is not a connected TCP socket or the maps cannot be listed.
std::optional<std::vector<std::byte>> redirect_context(int accepted_fd);

/// The same for UDP: the bytes a connect handler set for the datagrams that a client sent from peer (the source
/// address recvfrom(2) gave) to the proxy's socket fd (bound to a specific address, not a wildcard: the key is the
/// datagram's destination, which must equal getsockname(fd)), or nullopt. Filed when the client's first datagram
/// after the redirect leaves its socket. Throws winbpf::Error when fd is not a bound IPv4 or IPv6 socket or the maps
/// cannot be listed.
std::optional<std::vector<std::byte>> redirect_context(int fd, const sockaddr *peer, socklen_t peer_size);

} // namespace winbpf
