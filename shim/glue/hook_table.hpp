// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace winbpf::glue
{

/// A section of a Windows hook known to winbpf: its SEC() prefix and the glue that maps it to Linux programs. One per
/// WINBPF_HOOK row of shim/include/winbpf/hooks.h, or one per WINBPF_SECTION row of a hook that lists its sections.
struct HookKind {
    std::string_view hook;           ///< Hook name (row of winbpf/hooks.h), e.g. "process" or "sock_addr".
    std::string_view section_prefix; ///< SEC() prefix, e.g. "process" or "cgroup/connect4" (longest prefix wins).
    std::string_view context;        ///< Struct tag of the Windows context, e.g. "_process_md".
    std::string_view glue_header;    ///< Header defining the entry macros, e.g. "winbpf/process_glue.h".
    std::string_view object_macro;   ///< Macro emitted once per object that has a handler of this hook.
    std::string_view entry_macro;    ///< Macro emitted per handler of this section, called with the handler's name.
    bool supported;                  ///< False for hooks that winbpf knows but does not map yet.
};

/// The hook section whose prefix is the longest prefix of section, if any.
std::optional<HookKind> hook_for_section(std::string_view section);

/// The known section prefixes, comma-separated, for messages: "process, bind, ..., cgroup/connect4, ...".
std::string known_prefixes();

} // namespace winbpf::glue
