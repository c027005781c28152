// SPDX-License-Identifier: MIT
#pragma once

#include "winbpf/hook.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct bpf_object;
struct bpf_map;
struct bpf_program;

namespace winbpf
{

/// What the verifier did with one program of a loaded object.
struct ProgramVerification {
    std::string name;                  ///< Program (function) name.
    std::uint32_t id = 0;              ///< Kernel program id (bpf_prog_info.id).
    std::uint32_t verified_insns = 0;  ///< Instructions the verifier processed (bpf_prog_info.verified_insns).
    std::uint32_t xlated_insns = 0;    ///< Instructions after the verifier's rewrites (xlated_prog_len / 8).
    std::int64_t verification_us = -1; ///< Verification time in µs from the verifier's statistics (-1: not found).
};

/// An eBPF object built by Makefile.bpf (RAII over libbpf's bpf_object; closed on destruction).
class Object
{
  public:
    /// Opens an object file. An object built in one pass by plain clang (its handlers in their Windows sections, no
    /// winbpf entry programs) is completed first, as Makefile.bpf would build it (detail::complete_object; said in
    /// adaptations()); type and program (netsh's type= and program=) also take the plain function program, in any
    /// section, as a handler of hook type. Throws Error for a missing file, a file that is not a BPF ELF object, an
    /// object that cannot be completed (the reason), or no winbpf hook program.
    static Object open_file(const std::string &path, const std::string &type = {}, const std::string &program = {});
    /// Opens an object from memory (e.g. a skeleton's embedded ELF bytes); name is used in messages. The bytes are
    /// only needed during the call. Same errors as open_file.
    static Object open_memory(std::span<const std::byte> elf, const std::string &name);

    Object(Object &&) noexcept;
    Object &operator=(Object &&) noexcept;
    ~Object();

    /// Loads every program and map into the kernel. Each hook's loader module prepares first (e.g. the process hook
    /// keeps the exit program variant the running kernel supports), the shim scratch map is sized to the possible
    /// CPUs; after the load the shim config (CLOCK_REALTIME - CLOCK_BOOTTIME) is written and each module fills its
    /// maps (e.g. the process hook's account names). The verifier is always asked for its statistics (log level
    /// BPF_LOG_STATS, which costs no measurable load time), so verification() has each program's verification time,
    /// and the shim's winbpf_verify map (winbpf/abi.h WINBPF_MAP_VERIFICATION) keeps it with the program's id, bound
    /// to every loaded program, for `winbpf show programs level=verbose`. Throws Error naming the failing program
    /// with the verifier's full log (a rejected object is opened and loaded again without statistics for it, with
    /// the same programs' autoload; libbpf's messages when a map or relocation fails), or when called twice.
    void load();

    /// After load(): one entry per loaded program, in ELF order: its id, instructions verified and after rewriting,
    /// and the verification time. Kernel data (bpf_prog_info and the verifier's statistics).
    const std::vector<ProgramVerification> &verification() const;

    /// How the object's maps were changed because Linux refuses what Windows accepts, one sentence each naming the
    /// map (e.g. "map 'temp': 8-byte array key uses its low 32 bits ..."); empty when nothing was adapted. Decided when
    /// winbpf built the object (shim/glue/map_adaptations.cpp), read from its BTF and sized to the CPUs when it is
    /// opened (loader/src/map_adaptations.cpp), so known before load().
    const std::vector<std::string> &adaptations() const;
    /// The path (open_file) or name (open_memory) used in messages.
    const std::string &name() const;
    /// Hook handlers found in the object, in ELF order.
    const std::vector<HookProgram> &hooks() const;
    /// Object-wide programs of the hooks' glue that must be attached with the handlers (e.g. the process hook's fork
    /// tracker), from each hook's loader module.
    std::vector<bpf_program *> support_programs() const;
    /// A map by name; throws Error naming the object when it has no such map.
    bpf_map *map(std::string_view name) const;
    /// bpf_tail_call(ctx, &prog_array, index) of a handler continues in the handler whose entry program has
    /// program_fd (e.g. bpf_program__fd(hooks()[i].entries[0])), as filling slot index of the program's
    /// BPF_MAP_TYPE_PROG_ARRAY prog_array does on Windows: each event's program array (winbpf/abi.h
    /// WINBPF_TAIL_MAP_PREFIX) gets that handler's entry of the same event, and prog_array gets program_fd. Needs
    /// load(). Throws Error naming the object, map or program: no such PROG_ARRAY, an fd that is no entry program of
    /// this object, an index of WINBPF_TAIL_SLOTS or more, or a hook whose handlers cannot be tail-called.
    void set_tail_call(std::string_view prog_array, std::uint32_t index, int program_fd);
    /// Ring buffer records the object's programs could not write (sum of winbpf_lost over CPUs). Needs load().
    std::uint64_t lost_events() const;
    /// The libbpf object (owned by this Object).
    bpf_object *raw() const noexcept;

  private:
    struct State;
    explicit Object(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

} // namespace winbpf
