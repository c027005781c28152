// SPDX-License-Identifier: MIT
#include "sid.hpp"

#include <charconv>

namespace winbpf::monitor
{

bool append_sid_text(std::span<const std::uint8_t> sid, std::string &out)
{
    constexpr std::size_t header = 8;
    if (sid.size() < header || sid[0] != 1 || sid[1] > 15 || sid.size() != header + 4u * sid[1])
        return false;
    std::uint64_t authority = 0;
    for (std::size_t i = 2; i < 8; ++i)
        authority = (authority << 8) | sid[i];

    char buffer[8 + 20 + 15 * 11];
    char *p = buffer;
    char *const end = buffer + sizeof(buffer);
    *p++ = 'S';
    *p++ = '-';
    p = std::to_chars(p, end, sid[0]).ptr;
    *p++ = '-';
    if (authority >= (1ULL << 32)) {
        constexpr char hex_digits[] = "0123456789abcdef";
        *p++ = '0';
        *p++ = 'x';
        for (std::size_t i = 2; i < 8; ++i) {
            *p++ = hex_digits[sid[i] >> 4];
            *p++ = hex_digits[sid[i] & 0xF];
        }
    } else {
        p = std::to_chars(p, end, authority).ptr;
    }
    for (std::size_t k = 0; k < sid[1]; ++k) {
        const std::uint8_t *s = sid.data() + header + 4 * k;
        const std::uint32_t sub = s[0] | (s[1] << 8) | (s[2] << 16) | (static_cast<std::uint32_t>(s[3]) << 24);
        *p++ = '-';
        p = std::to_chars(p, end, sub).ptr;
    }
    out.append(buffer, static_cast<std::size_t>(p - buffer));
    return true;
}

std::string sid_to_text(std::span<const std::uint8_t> sid)
{
    std::string text;
    append_sid_text(sid, text);
    return text;
}

} // namespace winbpf::monitor
