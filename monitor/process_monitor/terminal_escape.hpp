// SPDX-License-Identifier: MIT
// Escaping of untrusted text (argv, paths) for a terminal.
#pragma once

#include <string>
#include <string_view>

namespace winbpf::monitor
{

/// Appends text to out so that it cannot drive a terminal: backslash becomes "\\", tab/newline/carriage return
/// "\t" "\n" "\r", other C0 controls and DEL "\xNN", C1 controls (U+0080..U+009F) "\u00NN", each byte of an
/// invalid UTF-8 sequence "\xNN" (lowercase hex). Valid printable UTF-8 is copied unchanged.
void append_terminal_escaped(std::string_view text, std::string &out);

} // namespace winbpf::monitor
