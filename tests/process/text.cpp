// SPDX-License-Identifier: MIT
#include "text.hpp"

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
    std::vector<std::uint8_t> out;
    for (char16_t unit : winbpf::utf8_to_utf16(text)) {
        out.push_back(static_cast<std::uint8_t>(unit & 0xff));
        out.push_back(static_cast<std::uint8_t>(unit >> 8));
    }
    return out;
}

std::uint64_t filetime_now()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    constexpr std::uint64_t unix_epoch = 116444736000000000ULL; // FILETIME of 1970-01-01
    return unix_epoch + static_cast<std::uint64_t>(now.tv_sec) * filetime_ticks_per_second +
           static_cast<std::uint64_t>(now.tv_nsec) / 100;
}

std::vector<std::uint8_t> unix_user_sid(uid_t uid)
{
    // Revision 1, 2 sub-authorities, identifier authority 22 (big-endian, 6 bytes), then 1 and uid (little-endian).
    std::vector<std::uint8_t> sid{1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0};
    for (int shift = 0; shift < 32; shift += 8)
        sid.push_back(static_cast<std::uint8_t>((uid >> shift) & 0xff));
    return sid;
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
