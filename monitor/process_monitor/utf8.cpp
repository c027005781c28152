// SPDX-License-Identifier: MIT
#include "utf8.hpp"

namespace winbpf::monitor
{

Utf8Sequence utf8_sequence_at(std::string_view text, std::size_t i) noexcept
{
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t need;                      // continuation bytes after b0
    unsigned char low = 0x80, high = 0xBF; // allowed range of the first continuation byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0)
            low = 0xA0; // overlong
        else if (b0 == 0xED)
            high = 0x9F; // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0)
            low = 0x90; // overlong
        else if (b0 == 0xF4)
            high = 0x8F; // above U+10FFFF
    } else {
        return {1, false};
    }
    std::size_t length = 1;
    for (std::size_t k = 1; k <= need; ++k, ++length) {
        if (i + k >= text.size())
            return {length, false};
        const auto b = static_cast<unsigned char>(text[i + k]);
        if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF))
            return {length, false};
    }
    return {length, true};
}

} // namespace winbpf::monitor
