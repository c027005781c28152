// SPDX-License-Identifier: MIT
#include "terminal_escape.hpp"

#include "utf8.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace winbpf::monitor
{
namespace
{

constexpr char hex_digits[] = "0123456789abcdef";

/// Bytes copied as they are: printable ASCII other than backslash.
constexpr std::array<bool, 256> plain = [] {
    std::array<bool, 256> table{};
    for (int c = 0x20; c < 0x7F; ++c)
        table[c] = c != '\\';
    return table;
}();

void append_hex_byte(std::string &out, const char *prefix, unsigned char byte)
{
    out += prefix;
    out += hex_digits[byte >> 4];
    out += hex_digits[byte & 0xF];
}

} // namespace

void append_terminal_escaped(std::string_view text, std::string &out)
{
    std::size_t i = 0;
    while (i < text.size()) {
        // Copy the longest run of plain bytes in one go.
        std::size_t run = i;
        while (run < text.size() && plain[static_cast<unsigned char>(text[run])])
            ++run;
        out.append(text.data() + i, run - i);
        i = run;
        if (i == text.size())
            break;

        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\') {
            out += "\\\\";
            ++i;
        } else if (c == '\t') {
            out += "\\t";
            ++i;
        } else if (c == '\n') {
            out += "\\n";
            ++i;
        } else if (c == '\r') {
            out += "\\r";
            ++i;
        } else if (c < 0x80) { // other C0 control or DEL
            append_hex_byte(out, "\\x", c);
            ++i;
        } else if (const Utf8Sequence seq = utf8_sequence_at(text, i); !seq.valid) {
            append_hex_byte(out, "\\x", c); // byte by byte: each shows as itself
            ++i;
        } else if (seq.length == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) { // C1
            append_hex_byte(out, "\\u00", static_cast<unsigned char>(text[i + 1]));
            i += 2;
        } else {
            out.append(text.data() + i, seq.length);
            i += seq.length;
        }
    }
}

} // namespace winbpf::monitor
