// SPDX-License-Identifier: MIT
// udp_flood ADDRESS PORT SECONDS [BYTES]: sends UDP datagrams of BYTES bytes (default 0: no payload, what
// droppacket drops) to ADDRESS:PORT as fast as one socket can for SECONDS, then prints the number sent. The attacker
// of droppacket_demo.sh; run it only towards addresses of network namespaces you created. Exit 2 on bad arguments,
// 1 when the socket cannot be made.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        std::fprintf(stderr, "usage: udp_flood ADDRESS PORT SECONDS [BYTES]\n");
        return 2;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
    const double seconds = std::atof(argv[3]);
    const std::size_t bytes = argc == 5 ? static_cast<std::size_t>(std::atol(argv[4])) : 0;
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || seconds <= 0 || bytes > 65507) {
        std::fprintf(stderr, "udp_flood: bad address, duration or size\n");
        return 2;
    }
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        std::perror("udp_flood: socket");
        return 1;
    }
    std::vector<char> payload(bytes, 'x');
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    unsigned long long sent = 0;
    while (std::chrono::steady_clock::now() < end)
        for (int i = 0; i < 64; ++i)
            if (sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to)) >= 0)
                ++sent;
    close(fd);
    std::printf("%llu\n", sent);
    return 0;
}
