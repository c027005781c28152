// SPDX-License-Identifier: MIT
#include "text.hpp"

#include "support/encoding.hpp"
#include "winbpf/utf16.hpp"

#include <ctime>

namespace process_test
{
std::string utf16le_to_utf8(std::span<const std::uint8_t> bytes)
{
    std::string out;
    winbpf::utf16le_to_utf8(std::as_bytes(bytes), out);
    return out;
}

std::vector<std::uint8_t> utf8_to_utf16le(std::string_view text)
{
    const std::vector<std::byte> bytes = winbpf::test::utf16le_bytes(winbpf::utf8_to_utf16(text));
    const auto *data = reinterpret_cast<const std::uint8_t *>(bytes.data());
    return {data, data + bytes.size()};
}

std::uint64_t filetime_now()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    constexpr std::uint64_t unix_epoch = 116444736000000000ULL; // FILETIME of 1970-01-01
    return unix_epoch + static_cast<std::uint64_t>(now.tv_sec) * filetime_ticks_per_second +
           static_cast<std::uint64_t>(now.tv_nsec) / 100;
}

std::string join_command_line(const std::vector<std::string> &argv)
{
    std::string line;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (i > 0)
            line += ' ';
        line += argv[i];
    }
    return line;
}

} // namespace process_test
