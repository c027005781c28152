// SPDX-License-Identifier: MIT
// Internals of the winbpf loader library shared by its source files (not installed, not part of the API).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bpf/btf.h>
#include <linux/types.h>

#include "winbpf/abi.h"
#include "winbpf/btf_ptr.hpp"
#include "winbpf/hook.hpp"

struct bpf_map;
struct bpf_object;

namespace winbpf::detail
{

/// "No such file or directory" for a positive errno value.
std::string errno_text(int error);

/// An error code libbpf returned about a BPF object, said as libbpf's and not the file's: "libbpf's error ENOENT
/// (-2)" (the symbolic name, or the number alone when it has none). libbpf reports an unresolved extern, a missing BTF
/// or a bad section with codes such as ENOENT that would read as if the file were missing.
std::string libbpf_error_text(int error);

/// While alive, libbpf's messages on this thread (warnings and info, not debug) are collected instead of printed.
/// The previous print callback is restored on destruction.
class LogCapture
{
  public:
    LogCapture();
    LogCapture(const LogCapture &) = delete;
    LogCapture &operator=(const LogCapture &) = delete;
    ~LogCapture();
    /// Everything collected so far.
    const std::string &text() const noexcept { return text_; }

  private:
    std::string text_;
    std::string *outer_;
};

/// The program libbpf reported as rejected by the kernel, and the verifier log it printed.
struct VerifierFailure {
    std::string program;
    std::string log;
};
/// Finds "prog 'X': BPF program load failed" and the "-- BEGIN PROG LOAD LOG --" block in captured libbpf output.
std::optional<VerifierFailure> find_verifier_failure(const std::string &libbpf_log);

/// What to say after a verifier log (one program's) that hit a limit of Linux's verifier eBPF for Windows' does not
/// have, with the source line where it stopped (its last "; <text> @ <file>:<line>" line) and the portable rewrite;
/// empty for other logs. Today: "The sequence of N jumps is too complex" (BPF_COMPLEXITY_LIMIT_JMP_SEQ, 8192 pending
/// branches), which a loop that branches on data in each of its many iterations reaches.
std::string verifier_limit_note(const std::string &verifier_log);

/// Whether an object (bytes checked by check_bpf_elf) was built in one pass by plain clang and needs completing: no
/// winbpf entry program, and a global function in a Windows hook section (or, with as_type, any function: type= and
/// program= name it).
bool needs_completion(std::span<const std::byte> elf, bool as_type);

/// Whether an object (bytes checked by check_bpf_elf) has a .BTF section: without one (built without -g) completing
/// it gives it BTF of winbpf-glue's making (shim/glue/plain_btf.hpp).
bool has_btf(std::span<const std::byte> elf);

/// Completes the one-pass object at path with Makefile.bpf's `complete` target (shim/glue/complete.hpp) in a private
/// temporary directory; type and program (may be empty) take a plain function as a handler of that hook. Returns the
/// completed object's bytes, or nothing when (without type) no function of a hook section is a Windows handler (native
/// Linux programs: opened as they are). Throws Error with winbpf-glue's or clang's message when it cannot.
std::optional<std::vector<std::byte>> complete_object(const std::string &path, const std::string &type,
                                                      const std::string &program);

/// Throws Error when bytes (a whole file called name) are not a 64-bit BPF ELF object, are cut off before the end of
/// a section the headers describe (a truncated file), or are damaged where libbpf 1.1 would read without checking:
/// names outside their string tables, symbols and relocations naming missing sections, symbols or places, and
/// malformed type information (.BTF, .BTF.ext: see loader/src/elf_check.cpp).
void check_bpf_elf(std::span<const std::byte> bytes, const std::string &name);

/// Sets SHF_EXECINSTR again on the optional entry program sections ("?<section>", PROGBITS) that Makefile.bpf hid from
/// plain libbpf (`winbpf-glue --hide-optional`), in elf (a whole 64-bit ELF object that passed check_bpf_elf).
/// Returns how many it changed; 0 for objects without any.
std::size_t show_optional_programs(std::span<std::byte> elf);

/// Bytes that follow a BTF type record's struct btf_type for its info word (kind and vlen): 0 for kinds without
/// extra data, vlen entries for members, enum values, parameters and section variables; nullopt for a kind this
/// libbpf does not know.
std::optional<std::size_t> btf_record_extra(std::uint32_t info);

/// Before load: the object's map definitions that eBPF for Windows accepts and Linux refuses (legacy maps, a
/// PERF_EVENT_ARRAY sized in bytes, 8-byte array keys, per-CPU values over 32 KiB), which winbpf-glue changed when it
/// built the object and tagged (shim/glue/map_adaptations.cpp): sizes the per-CPU ones to possible_cpus and returns
/// one sentence per change (loader/src/map_adaptations.cpp). Throws Error naming the object and map.
std::vector<std::string> adapt_maps(bpf_object *object, const std::string &object_name, __u32 possible_cpus);

/// Names of the functions winbpf-glue gave static linkage in the object's BTF (WINBPF_VERIFIED_WITH_CALLER_TAG;
/// shim/glue/functions.cpp): the user's global functions, verified with their callers as on Windows.
std::vector<std::string> functions_given_static_linkage(bpf_object *object);

/// After load: one sentence for each of functions (functions_given_static_linkage at open) that a loaded program
/// calls (its func_info): the kernel verified it as part of each program that calls it, as eBPF for Windows does,
/// instead of alone with maybe-NULL pointer arguments.
std::vector<std::string> functions_verified_with_callers(bpf_object *object, const std::vector<std::string> &functions);

/// A slot of one of the object's own program arrays that holds an entry program of a handler after load (libbpf
/// filled it from a `.values = {[i] = &handler}` initialiser; shim/glue/prog_arrays.cpp).
struct TailSlot {
    std::string map;
    std::uint32_t index;
    int program_fd;
};

/// The filled slots of the object's program arrays (not the shim's WINBPF_TAIL_MAP_PREFIX ones) whose program is an
/// entry of one of hooks. Throws Error naming the map when it cannot be read.
std::vector<TailSlot> initialised_tail_slots(bpf_object *object, const std::string &object_name,
                                             const std::vector<HookProgram> &hooks);

/// Writes struct winbpf_config (clock offset, valid = 1) into the loaded config map.
void write_config(bpf_map *config, const std::string &object_name);

} // namespace winbpf::detail
