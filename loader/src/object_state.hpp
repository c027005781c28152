// SPDX-License-Identifier: MIT
// Private state of winbpf::Object (shared by the object source files).
#pragma once

#include "winbpf/object.hpp"

#include <bpf/libbpf.h>

namespace winbpf::detail
{
class HookModule;
}

namespace winbpf
{

struct Object::State {
    bpf_object *object = nullptr;
    std::string name;               ///< Path or caller-given name, used in messages.
    std::vector<HookProgram> hooks; ///< Hook handlers in ELF order.
    bool loaded = false;
    std::vector<std::string> adaptations;          ///< What load() changed to fit Linux, one sentence each.
    bool verifier_statistics = true;               ///< load() asks the verifier for its statistics (BPF_LOG_STATS).
    std::vector<std::string> statistics_logs;      ///< One log buffer per program while loading with statistics.
    std::vector<std::byte> elf;                    ///< The object's bytes until load() succeeds (to load it again
                                                   ///< without statistics for the full log of a rejection).
    std::vector<ProgramVerification> verification; ///< Filled by load().
    std::vector<std::string> global_functions;     ///< detail::functions_given_static_linkage at open.

    /// The modules of the hooks the object has handlers for, each once, in handler order.
    std::vector<const detail::HookModule *> modules() const;

    State() = default;
    State(const State &) = delete;
    State &operator=(const State &) = delete;
    ~State() { bpf_object__close(object); }
};

} // namespace winbpf
