// SPDX-License-Identifier: MIT
#include "hook_table.hpp"

#include <array>

namespace winbpf::glue
{
namespace
{

// Adding a hook: one row here plus its glue header in shim/include/winbpf/.
constexpr std::array kHooks{
    HookKind{"process", "winbpf/process_glue.h", "WINBPF_PROCESS_OBJECT_GLUE", "WINBPF_PROCESS_ENTRY", true},
    HookKind{"bind", "", "", "", false},
    HookKind{"netevent_monitor", "", "", "", false},
    HookKind{"xdp", "", "", "", false},
};

} // namespace

std::optional<HookKind> hook_for_section(std::string_view section)
{
    std::optional<HookKind> best;
    for (const auto &hook : kHooks) {
        if (section.starts_with(hook.section_prefix) &&
            (!best || hook.section_prefix.size() > best->section_prefix.size()))
            best = hook;
    }
    return best;
}

} // namespace winbpf::glue
