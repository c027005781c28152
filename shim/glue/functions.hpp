// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace winbpf::glue
{

/// Rewrites in place the BTF of path (a pass-2 object): every function of .text with global linkage in its BTF (a
/// non-static function of the user's source, e.g. noinline or optnone, or one taking the context or a map value)
/// gets static linkage and a WINBPF_VERIFIED_WITH_CALLER_TAG decl tag. Linux verifies a global function alone,
/// its pointer arguments maybe NULL; a static one is verified as part of each program that calls it, as eBPF for
/// Windows verifies every function. Throws winbpf::Error for a malformed object; no change without such
/// functions.
void verify_functions_with_callers(const std::string &path);

} // namespace winbpf::glue
