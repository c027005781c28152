// SPDX-License-Identifier: MIT
// Loading a winbpf object: each hook module's preparation, scratch sizing, load, then the loader-written maps.
#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "object_state.hpp"
#include "winbpf/error.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/libbpf.h>

namespace winbpf
{

namespace
{

// Finds the handler an entry program belongs to, for messages.
std::string describe_program(const std::vector<HookProgram> &hooks, const std::string &program)
{
    for (const HookProgram &hook : hooks)
        for (bpf_program *entry : hook.entries)
            if (program == bpf_program__name(entry))
                return "program '" + program + "' (handler " + hook.handler + ", " + hook.hook + " hook)";
    return "program '" + program + "'";
}

} // namespace

void Object::load()
{
    State &s = *state_;
    if (s.loaded)
        throw Error(s.name + ": already loaded", EALREADY);

    for (const detail::HookModule *module : s.modules()) {
        std::vector<HookProgram> handlers;
        for (const HookProgram &hook : s.hooks)
            if (hook.hook == module->name())
                handlers.push_back(hook);
        module->before_load(s.object, s.name, handlers);
    }

    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0)
        throw Error("cannot count the possible CPUs: " + detail::errno_text(-cpus), -cpus);
    const auto possible = static_cast<__u32>(cpus);
    if (bpf_map *scratch = bpf_object__find_map_by_name(s.object, WINBPF_MAP_SCRATCH)) {
        int err = bpf_map__set_max_entries(scratch, possible);
        if (err != 0)
            throw Error(s.name + ": cannot size map " WINBPF_MAP_SCRATCH " to " + std::to_string(cpus) +
                            " CPUs: " + detail::errno_text(err),
                        err);
    }
    {
        detail::LogCapture log;
        int err = bpf_object__load(s.object);
        if (err != 0) {
            if (auto failure = detail::find_verifier_failure(log.text()))
                throw Error(s.name + ": the kernel rejected " + describe_program(s.hooks, failure->program) + ": " +
                                detail::errno_text(err) + "\n-- verifier log of " + failure->program + " --\n" +
                                failure->log,
                            err);
            throw Error(s.name + ": load failed: " + detail::errno_text(err) + "\n" + log.text(), err);
        }
    }
    s.loaded = true;

    if (bpf_map *config = bpf_object__find_map_by_name(s.object, WINBPF_MAP_CONFIG))
        detail::write_config(config, s.name);
    for (const detail::HookModule *module : s.modules())
        module->after_load(s.object, s.name);
}

} // namespace winbpf
