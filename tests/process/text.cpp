// SPDX-License-Identifier: MIT
#include "text.hpp"

#include <ctime>

namespace process_test
{
namespace
{

void append_utf8(std::string &out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

void append_utf16(std::vector<std::uint8_t> &out, std::uint32_t unit)
{
    out.push_back(static_cast<std::uint8_t>(unit & 0xff));
    out.push_back(static_cast<std::uint8_t>(unit >> 8));
}

constexpr std::uint32_t replacement = 0xFFFD;

} // namespace

std::string utf16le_to_utf8(std::span<const std::uint8_t> bytes)
{
    std::string out;
    const std::size_t units = bytes.size() / 2;
    auto unit = [&](std::size_t i) { return static_cast<std::uint32_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8)); };
    for (std::size_t i = 0; i < units; ++i) {
        const std::uint32_t u = unit(i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units && unit(i + 1) >= 0xDC00 && unit(i + 1) <= 0xDFFF) {
            append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (unit(i + 1) - 0xDC00));
            ++i;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            append_utf8(out, replacement);
        } else {
            append_utf8(out, u);
        }
    }
    if (bytes.size() % 2)
        append_utf8(out, replacement);
    return out;
}

std::vector<std::uint8_t> utf8_to_utf16le(std::string_view text)
{
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < text.size();) {
        const auto b0 = static_cast<std::uint8_t>(text[i]);
        const int len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
        std::uint32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
        for (int k = 1; k < len && i + k < text.size(); ++k)
            cp = (cp << 6) | (static_cast<std::uint8_t>(text[i + k]) & 0x3F);
        i += len;
        if (cp >= 0x10000) {
            append_utf16(out, 0xD800 | ((cp - 0x10000) >> 10));
            append_utf16(out, 0xDC00 | ((cp - 0x10000) & 0x3FF));
        } else {
            append_utf16(out, cp);
        }
    }
    return out;
}

std::uint64_t filetime_now()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    constexpr std::uint64_t unix_epoch = 116444736000000000ULL;
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
