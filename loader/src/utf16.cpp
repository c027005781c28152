// SPDX-License-Identifier: MIT
#include "winbpf/utf16.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

namespace winbpf
{
namespace
{

char *put_replacement(char *p) noexcept
{
    *p++ = static_cast<char>(0xEF);
    *p++ = static_cast<char>(0xBF);
    *p++ = static_cast<char>(0xBD);
    return p;
}

char *put_code_point(char *p, std::uint32_t cp) noexcept
{
    if (cp < 0x80) {
        *p++ = static_cast<char>(cp);
    } else if (cp < 0x800) {
        *p++ = static_cast<char>(0xC0 | (cp >> 6));
        *p++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *p++ = static_cast<char>(0xE0 | (cp >> 12));
        *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *p++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        *p++ = static_cast<char>(0xF0 | (cp >> 18));
        *p++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *p++ = static_cast<char>(0x80 | (cp & 0x3F));
    }
    return p;
}

} // namespace

void utf16le_to_utf8(std::span<const std::byte> in, std::string &out)
{
    const auto *bytes = reinterpret_cast<const unsigned char *>(in.data());
    const std::size_t units = in.size() / 2;
    // ASCII fast path: the strings the monitors carry (paths, command lines, names) are mostly ASCII, one byte per
    // unit, so the output is sized for that and written in one pass, 8 units per test; the first other unit ends it.
    out.resize(units);
    std::size_t i = 0;
    {
        char *const ascii = out.data();
        constexpr std::uint64_t not_ascii = 0xFF80FF80FF80FF80ULL; // per little-endian unit: high byte, bit 7 of low
        for (; std::endian::native == std::endian::little && i + 8 <= units; i += 8) {
            std::uint64_t lanes[2];
            std::memcpy(lanes, bytes + 2 * i, sizeof(lanes));
            if (((lanes[0] | lanes[1]) & not_ascii) != 0)
                break;
            for (std::size_t k = 0; k < 8; ++k)
                ascii[i + k] = static_cast<char>(bytes[2 * (i + k)]);
        }
        for (; i < units && bytes[2 * i + 1] == 0 && bytes[2 * i] < 0x80; ++i)
            ascii[i] = static_cast<char>(bytes[2 * i]);
    }
    if (i == units && in.size() % 2 == 0)
        return;
    // From unit i on, worst case: 3 UTF-8 bytes per UTF-16 unit (a pair gives 4 for 2 units), plus U+FFFD for an odd
    // byte.
    out.resize(i + (units - i) * 3 + 3);
    char *const begin = out.data();
    char *p = begin + i;
    while (i < units) {
        std::uint32_t u = bytes[2 * i] | (static_cast<std::uint32_t>(bytes[2 * i + 1]) << 8);
        ++i;
        if (u < 0x80) {
            *p++ = static_cast<char>(u);
        } else if (u < 0xD800 || u > 0xDFFF) {
            p = put_code_point(p, u);
        } else if (u <= 0xDBFF) { // high surrogate: needs a low one next
            std::uint32_t next = i < units ? (bytes[2 * i] | (static_cast<std::uint32_t>(bytes[2 * i + 1]) << 8)) : 0;
            if (next >= 0xDC00 && next <= 0xDFFF) {
                ++i;
                p = put_code_point(p, 0x10000 + ((u - 0xD800) << 10) + (next - 0xDC00));
            } else {
                p = put_replacement(p);
            }
        } else if (u >= 0xDC80 && u <= 0xDCFF) { // escaped invalid byte of the original text
            *p++ = static_cast<char>(u - 0xDC00);
        } else {
            p = put_replacement(p);
        }
    }
    if (in.size() % 2 != 0)
        p = put_replacement(p);
    out.resize(static_cast<std::size_t>(p - begin));
}

std::u16string utf8_to_utf16(std::string_view text, std::size_t max_units)
{
    std::u16string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
        unsigned char c = byte(i);
        char32_t cp = 0xFFFD;
        std::size_t len = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
        }
        if (len > 1) {
            bool valid = i + len <= text.size();
            char32_t value = c & (0x7F >> len);
            for (std::size_t k = 1; valid && k < len; ++k) {
                valid = (byte(i + k) & 0xC0) == 0x80;
                value = (value << 6) | (byte(i + k) & 0x3F);
            }
            static constexpr char32_t min_value[] = {0, 0, 0x80, 0x800, 0x10000};
            if (valid && value >= min_value[len] && value <= 0x10FFFF && !(value >= 0xD800 && value <= 0xDFFF)) {
                cp = value;
            } else {
                len = 1; // skip one byte, emit U+FFFD
            }
        }
        std::size_t units = cp >= 0x10000 ? 2 : 1;
        if (out.size() + units > max_units)
            break;
        if (units == 2) {
            cp -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
        i += len;
    }
    return out;
}

} // namespace winbpf
