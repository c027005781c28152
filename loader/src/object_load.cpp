// SPDX-License-Identifier: MIT
// Loading a winbpf object: exit variant choice, scratch sizing, then the loader-written shim maps.
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
                return "program '" + program + "' (handler " + hook.handler + ", " +
                       std::string(hook_type_name(hook.type)) + " hook)";
    return "program '" + program + "'";
}

} // namespace

void Object::load()
{
    State &s = *state_;
    if (s.loaded)
        throw Error(s.name + ": already loaded", EALREADY);

    bool group_dead = detail::exit_tracepoint_has_group_dead();
    for (HookProgram &hook : s.hooks) {
        for (bpf_program *entry : hook.entries) {
            const std::string event = parse_entry_name(bpf_program__name(entry)).event;
            bool unused = (event == "exit" && !group_dead) || (event == "exit_live" && group_dead);
            if (unused && bpf_program__set_autoload(entry, false) != 0) {
                int err = errno;
                throw Error(s.name + ": cannot disable program '" + bpf_program__name(entry) +
                                "': " + detail::errno_text(err),
                            err);
            }
        }
    }

    if (bpf_map *scratch = bpf_object__find_map_by_name(s.object, WINBPF_MAP_SCRATCH)) {
        int cpus = libbpf_num_possible_cpus();
        if (cpus <= 0)
            throw Error("cannot count the possible CPUs: " + detail::errno_text(-cpus), -cpus);
        int err = bpf_map__set_max_entries(scratch, static_cast<__u32>(cpus));
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
    if (bpf_map *accounts = bpf_object__find_map_by_name(s.object, WINBPF_MAP_ACCOUNTS))
        detail::fill_accounts(accounts, s.name);
}

} // namespace winbpf
