// SPDX-License-Identifier: MIT
// Completing at load time an object built in one pass by plain clang (`clang -target bpf -O2 -g -c prog.c`, as eBPF
// for Windows documents), without Makefile.bpf: its hook handlers sit in their Windows sections (SEC("xdp")) as
// functions libbpf cannot run as they are (their context is the Windows struct). Makefile.bpf's `complete` target runs:
//   1. winbpf-glue --plain OBJECT USER_COPY GLUE_SOURCE [TYPE PROGRAM]: prepare_plain();
//   2. clang on GLUE_SOURCE (the entry programs, calling the handlers as functions of the user's object);
//   3. winbpf-glue --plain-btf USER_COPY GLUE_OBJECT: describe_plain_object() (plain_btf.hpp), for an object built
//      without -g;
//   4. winbpf-glue --link OUTPUT USER_COPY GLUE_OBJECT: link_objects() (libbpf's BPF linker);
//   5. winbpf-glue --legacy-maps OUTPUT.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace winbpf::glue
{

/// Reads a one-pass object and writes (a) user_copy: the object with each handler's section renamed .text (libbpf
/// calls only functions of .text) and the handlers hidden (STV_HIDDEN: libbpf then gives the verifier the caller's
/// context, as for a static function, so the packet and context pointers in the Windows struct stay typed); its
/// .BTF.ext names .text for the renamed section; (b) glue_source: C that includes each hook's glue header, declares
/// each handler extern and emits the hook's entry programs for it (as Makefile.bpf's pass 2), with a GPL license when
/// the object has none. A handler is a global function in a Windows hook section; with type and program given, also the
/// function program (in any section, e.g. .text: a plain function) as a handler of hook type (netsh's type= and
/// program=). Throws winbpf::Error naming the file: no handler, a section holding more than handlers, an object
/// with code in .text besides them, an unsupported hook.
void prepare_plain(const std::string &object, const std::string &user_copy, const std::string &glue_source,
                   const std::string &type, const std::string &program);

/// The glue's line for an object's SEC("license") string: "#define WINBPF_LICENSE_NOT_GPL \"...\"\n" for a license
/// the kernel does not treat as GPL-compatible (the glue of a hook that needs GPL-only kernel facilities, and any use
/// of a GPL-only helper, then fail to compile naming it), else empty.
std::string license_define(const std::optional<std::string> &license);

/// Links BPF objects into output with libbpf's BPF linker (bpf_linker__*). Throws winbpf::Error naming the
/// object the linker refused.
void link_objects(const std::string &output, const std::vector<std::string> &inputs);

} // namespace winbpf::glue
