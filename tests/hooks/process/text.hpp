// SPDX-License-Identifier: MIT
// Conversions the process-hook tests compare with: UTF-16LE <-> UTF-8, FILETIME, command lines.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace process_test
{

/// UTF-16LE bytes (no NUL) as UTF-8 (winbpf::utf16le_to_utf8: escaped invalid bytes are restored).
std::string utf16le_to_utf8(std::span<const std::uint8_t> bytes);
/// UTF-8 as UTF-16LE bytes, no NUL (winbpf::utf8_to_utf16).
std::vector<std::uint8_t> utf8_to_utf16le(std::string_view text);

/// FILETIME (100 ns ticks since 1601-01-01 UTC) of the wall clock now.
std::uint64_t filetime_now();
constexpr std::uint64_t filetime_ticks_per_second = 10'000'000;

/// argv joined by single spaces (the command line of docs/hooks/process.md).
std::string join_command_line(const std::vector<std::string> &argv);

} // namespace process_test
