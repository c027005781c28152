// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace winbpf::glue
{

/// Gives object, the user's copy of a one-pass object built without -g (no .BTF; winbpf-glue --plain made it), the BTF
/// libbpf 1.x needs, written in place as new .BTF and .BTF.ext sections; an object with .BTF is left as it is:
/// - its legacy SEC("maps") struct bpf_map_def definitions move to ".maps" (appended, 8-byte aligned, after the shim's
///   maps there) and are described
///   as variables of type struct _ebpf_map_definition_in_file, which winbpf-glue --legacy-maps then turns into BTF map
///   definitions of their initialised values, as for a Makefile.bpf build;
/// - winbpf's own maps (winbpf_scratch, ...: the shim headers define them in the object) get the definitions the glue
///   object, compiled with -g from the same headers, gives them (its types copied);
/// - every function gets a BTF FUNC (int (void), static in .text so that the verifier checks it with its caller) and
///   a .BTF.ext func_info record; there is no line info.
/// Throws winbpf::Error naming the map for a map in ".maps" that is neither winbpf's nor legacy ("compile with
/// -g"), a static legacy map, a legacy PERCPU_ARRAY winbpf spreads (only Makefile.bpf's second pass can access it), a
/// legacy map of an object that has BTF (built with -g: not merged into .maps), and for what libbpf's BTF builder or
/// libelf refuse.
void describe_plain_object(const std::string &object, const std::string &glue_object);

} // namespace winbpf::glue
