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
    std::string_view object_macro;   ///< Macro emitted once per object that has a handler of this hook.
    std::string_view entry_macro;    ///< Macro emitted per handler, called with the handler's name.
    bool supported;                  ///< False for hooks that winbpf knows but does not map yet.
};

/// The hook whose prefix is the longest prefix of section, if any (rows of shim/include/winbpf/hooks.h).
std::optional<HookKind> hook_for_section(std::string_view section);

/// The known section prefixes, comma-separated, for messages: "process, bind, netevent_monitor, xdp".
std::string known_prefixes();

} // namespace winbpf::glue
