// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace winbpf::glue
{

/// Checks that the linked object at path (pass 2's output) calls or reads no symbol it does not define, other than
/// the externs libbpf resolves at load (the variables and functions of the ".ksyms" and ".kconfig" BTF sections,
/// weak or not). Throws winbpf::Error naming each unresolved symbol and the function that refers to it (for
/// example "function 'Handler' calls 'helper', which the program does not define: ..."), as libbpf would only fail
/// later, at open, with an error code (ENOENT) that reads as if the file were missing.
void check_unresolved_symbols(const std::string &path);

} // namespace winbpf::glue
