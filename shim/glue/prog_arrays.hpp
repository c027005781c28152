// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace winbpf::glue
{

/// Rewrites in place the relocations of path's ".maps" (a pass-2 object) that initialise a BPF_MAP_TYPE_PROG_ARRAY
/// slot with a Windows hook handler (`.values = {[0] = &handler}`): pass 2 makes a handler a function of .text, which
/// libbpf refuses in a program array, so each such slot names the handler's first entry program
/// (<handler>__winbpf_<hook>_<event>) instead; the loader then fills the hook's per-event arrays from it
/// (winbpf::Object::load). Throws winbpf::Error for a malformed object; other relocations are left as they are.
void point_prog_array_slots_at_entries(const std::string &path);

} // namespace winbpf::glue
