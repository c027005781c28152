// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace winbpf::glue
{

/// Rewrites in place the BTF of path (a pass-2 object): every variable of ".maps" whose type is Windows' legacy
/// struct _ebpf_map_definition_in_file gets a BTF map definition of the values it was initialised with (type,
/// key_size, value_size, max_entries, map_flags; for ARRAY_OF_MAPS / HASH_OF_MAPS a `values` inner map template from
/// inner_id or inner_map_idx) and, when its pinning is not PIN_NONE, a WINBPF_LEGACY_PINNING_TAG decl tag. Throws
/// winbpf::Error naming the map for a malformed definition or an inner map reference to no map; leaves objects
/// without legacy maps untouched.
void convert_legacy_maps(const std::string &path);

} // namespace winbpf::glue
