// SPDX-License-Identifier: MIT
#include "support/encoding.hpp"

namespace winbpf::test
{

std::vector<std::byte> utf16le_bytes(std::u16string_view text)
{
    std::vector<std::byte> bytes;
    for (char16_t unit : text) {
        bytes.push_back(static_cast<std::byte>(unit & 0xFF));
        bytes.push_back(static_cast<std::byte>(unit >> 8));
    }
    return bytes;
}

std::vector<std::uint8_t> unix_user_sid(std::uint32_t uid)
{
    // Revision 1, 2 sub-authorities, identifier authority 22 (big-endian, 6 bytes), then 1 and uid (little-endian).
    std::vector<std::uint8_t> sid{1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0};
    for (int shift = 0; shift < 32; shift += 8)
        sid.push_back(static_cast<std::uint8_t>((uid >> shift) & 0xff));
    return sid;
}

} // namespace winbpf::test
