// SPDX-License-Identifier: MIT
#include "tool_summary.hpp"

#include <regex>
#include <string>

namespace winbpf::bench
{

std::optional<ToolSummary> parse_summary(std::string_view stderr_text)
{
    static const std::regex pattern(R"(received ([0-9]+), lost ([0-9]+))");
    const std::string text(stderr_text);
    std::optional<ToolSummary> last;
    for (auto match = std::sregex_iterator(text.begin(), text.end(), pattern); match != std::sregex_iterator(); ++match)
        last = ToolSummary{std::stoull((*match)[1]), std::stoull((*match)[2])};
    return last;
}

} // namespace winbpf::bench
