// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace winbpf::glue
{

/// A Windows hook known to winbpf: its SEC() prefix and the glue that maps it to Linux programs.
struct HookKind {
    std::string_view section_prefix; ///< SEC() prefix, e.g. "process" (longest prefix wins).
    std::string_view glue_header;    ///< Header defining the entry macros, e.g. "winbpf/process_glue.h".
    std::string_view object_macro;   ///< Macro emitted once per object (may be empty).
    std::string_view entry_macro;    ///< Macro emitted per handler, called with the handler's name.
    bool supported;                  ///< False for hooks that winbpf knows but does not map yet.
};

/// The hook whose prefix is the longest prefix of section, if any.
std::optional<HookKind> hook_for_section(std::string_view section);

} // namespace winbpf::glue
