// SPDX-License-Identifier: MIT
#include "hook_table.hpp"

#include "winbpf/hooks.h"

#include <algorithm>
#include <array>
#include <vector>

namespace winbpf::glue
{
namespace
{

struct HookRow {
    std::string_view hook, context, glue_header, object_macro, entry_macro;
    bool supported;
};

struct SectionRow {
    std::string_view hook, section, entry_macro;
};

// The rows of shim/include/winbpf/hooks.h.
#define WINBPF_GLUE_ROW(name, context, header, object_macro, entry_macro)                                              \
    HookRow{#name, #context, header, #object_macro, #entry_macro, true},
#define WINBPF_GLUE_PLANNED(name) HookRow{#name, "", "", "", "", false},
constexpr std::array kHooks{WINBPF_HOOKS(WINBPF_GLUE_ROW, WINBPF_GLUE_PLANNED)};
#undef WINBPF_GLUE_ROW
#undef WINBPF_GLUE_PLANNED
#define WINBPF_GLUE_SECTION(name, section, attach, entry_macro) SectionRow{#name, section, #entry_macro},
constexpr std::array kSections{WINBPF_HOOK_SECTIONS(WINBPF_GLUE_SECTION)};
#undef WINBPF_GLUE_SECTION

// Every section of every hook: a hook's WINBPF_SECTION rows, or its name as its one section.
std::vector<HookKind> hook_sections()
{
    std::vector<HookKind> kinds;
    for (const HookRow &row : kHooks) {
        const bool listed =
            std::any_of(kSections.begin(), kSections.end(), [&](const SectionRow &s) { return s.hook == row.hook; });
        if (!listed) {
            kinds.push_back(
                {row.hook, row.hook, row.context, row.glue_header, row.object_macro, row.entry_macro, row.supported});
            continue;
        }
        for (const SectionRow &s : kSections)
            if (s.hook == row.hook)
                kinds.push_back({row.hook, s.section, row.context, row.glue_header, row.object_macro, s.entry_macro,
                                 row.supported});
    }
    return kinds;
}

} // namespace

std::optional<HookKind> hook_for_section(std::string_view section)
{
    std::optional<HookKind> best;
    for (const auto &hook : hook_sections()) {
        if (section.starts_with(hook.section_prefix) &&
            (!best || hook.section_prefix.size() > best->section_prefix.size()))
            best = hook;
    }
    return best;
}

std::string known_prefixes()
{
    std::string list;
    for (const auto &hook : hook_sections())
        list += (list.empty() ? "" : ", ") + std::string(hook.section_prefix);
    return list;
}

} // namespace winbpf::glue
