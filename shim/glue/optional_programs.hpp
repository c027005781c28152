// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace winbpf::glue
{

/// Keeps the optional entry programs of path (pass 2's output) out of plain libbpf's sight: every section "?<libbpf
/// section>" (a program winbpf's loader loads only where it chose that variant, e.g. ?lsm/bprm_check_security) loses
/// its SHF_EXECINSTR flag, so `bpftool prog loadall` and any libbpf loader skip it as an unrecognised data section and
/// load and pin the object's other programs. Name, code, relocations and BTF stay: winbpf's loader sets the flag again
/// in its copy of the object before libbpf opens it (loader/src/optional_programs.cpp). Returns how many sections it
/// marked; throws winbpf::Error when the object cannot be updated.
int hide_optional_programs(const std::string &path);

} // namespace winbpf::glue
