// SPDX-License-Identifier: MIT
// The "received N, lost M" line process_monitor prints to stderr on exit.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace winbpf::bench
{

/// Event counts a tool reported about itself.
struct ToolSummary {
    std::uint64_t received = 0;
    std::uint64_t lost = 0;
};

/// The last "received N, lost M" summary in a tool's stderr, if any.
std::optional<ToolSummary> parse_summary(std::string_view stderr_text);

} // namespace winbpf::bench
