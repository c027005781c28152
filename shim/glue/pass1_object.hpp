// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace winbpf::glue
{

/// A symbol placed by SEC() in the pass-1 object (section "<name>?winbpf_sec=<counter>").
struct SecSymbol {
    std::string section;             ///< The SEC() name as written, e.g. "process" or ".maps".
    int counter;                     ///< The __COUNTER__ value of that SEC() use.
    std::string symbol;              ///< Function or variable name.
    bool is_function;                ///< STT_FUNC.
    std::vector<unsigned char> data; ///< A variable's initial bytes (st_size from its section; empty for functions).
};

/// Reads every SEC() symbol of a pass-1 object (ELF, EM_BPF). Throws winbpf::Error on a malformed file.
std::vector<SecSymbol> read_sec_symbols(const std::string &path);

/// The struct tag that the first parameter of function points to in the pass-1 object's BTF (through typedefs and
/// qualifiers: "_bpf_sock_addr" for bpf_sock_addr_t *, "bpf_sock_addr" for struct bpf_sock_addr *), or nullopt when
/// the object has no BTF (compiled without -g), the function has no parameter, or it is not a pointer to a struct.
std::optional<std::string> first_parameter_struct(const std::string &path, const std::string &function);

/// The C spelling of function's return type in the object's BTF, for an extern declaration of it: a typedef's name
/// ("bind_action_t"), "enum TAG" or an integer type's name; "int" when the object has no BTF or the type is another.
std::string return_type_name(const std::string &path, const std::string &function);

/// The name prefix of the sections WINBPF_USES (winbpf/common.h) leaves in an object compiled from a user's source.
inline constexpr std::string_view kUsesSectionPrefix = ".winbpf.uses.";

/// The features an object compiled from a user's source (pass 1, or one pass by plain clang) marked with WINBPF_USES
/// (winbpf/common.h): the <feature> of each of its sections ".winbpf.uses.<feature>". Throws winbpf::Error on a
/// malformed file or a feature name that is not a C identifier.
std::set<std::string> read_uses(const std::string &path);

/// The glue's lines for features: "#define WINBPF_USES_<feature> 1\n" each.
std::string uses_defines(const std::set<std::string> &features);

/// The string in the object's SEC("license") section (up to its NUL), or nullopt when it has none.
std::optional<std::string> read_license(const std::string &path);

} // namespace winbpf::glue
