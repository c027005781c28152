// SPDX-License-Identifier: MIT
// Helpers of the generator programs (header only: generators link nothing else, to stay small and single-threaded).
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace winbpf::bench::generator
{

/// Parses a positive decimal count; false when text is not one.
inline bool parse_count(const char *text, std::uint64_t &value)
{
    char *end = nullptr;
    errno = 0;
    value = std::strtoull(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && value > 0;
}

/// Prints "<done> <failures> <elapsed ns>", what the harness reads from every generator (run_generator).
inline void print_result(std::uint64_t done, std::uint64_t failures, std::chrono::steady_clock::duration elapsed)
{
    std::printf("%llu %llu %lld\n", static_cast<unsigned long long>(done), static_cast<unsigned long long>(failures),
                static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
}

} // namespace winbpf::bench::generator
