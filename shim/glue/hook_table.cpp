// SPDX-License-Identifier: MIT
#include "hook_table.hpp"

#include "winbpf/hooks.h"

#include <array>

namespace winbpf::glue
{
namespace
{

// The rows of shim/include/winbpf/hooks.h.
#define WINBPF_GLUE_ROW(name, context, header, object_macro, entry_macro)                                              \
    HookKind{#name, header, #object_macro, #entry_macro, true},
#define WINBPF_GLUE_PLANNED(name) HookKind{#name, "", "", "", false},
constexpr std::array kHooks{WINBPF_HOOKS(WINBPF_GLUE_ROW, WINBPF_GLUE_PLANNED)};
#undef WINBPF_GLUE_ROW
#undef WINBPF_GLUE_PLANNED

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

std::string known_prefixes()
{
    std::string list;
    for (const auto &hook : kHooks)
        list += (list.empty() ? "" : ", ") + std::string(hook.section_prefix);
    return list;
}

} // namespace winbpf::glue
