// SPDX-License-Identifier: MIT
// Loading a winbpf object: each hook module's preparation, scratch sizing, load, then the loader-written maps.
#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "object_state.hpp"
#include "winbpf/error.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

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

namespace
{

/// The number after key in a verifier statistics log ("verification time 1234 usec"), or -1.
std::int64_t statistic(const std::string &log, const char *key)
{
    const auto at = log.find(key);
    if (at == std::string::npos)
        return -1;
    return std::strtoll(log.c_str() + at + std::strlen(key), nullptr, 10);
}

/// Each loaded program's bpf_prog_info and statistics log (logs: one per program, or empty).
std::vector<ProgramVerification> read_verification(bpf_object *object, const std::vector<std::string> &logs)
{
    std::vector<ProgramVerification> verification;
    bpf_program *program;
    std::size_t i = 0;
    bpf_object__for_each_program(program, object)
    {
        const std::size_t index = i++;
        const int fd = bpf_program__fd(program);
        if (fd < 0)
            continue; // not loaded (autoload off)
        ProgramVerification entry;
        entry.name = bpf_program__name(program);
        bpf_prog_info info{};
        __u32 size = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &size) == 0) {
            entry.id = info.id;
            entry.verified_insns = info.verified_insns;
            entry.xlated_insns = info.xlated_prog_len / 8;
        }
        if (index < logs.size())
            entry.verification_us = statistic(logs[index], "verification time ");
        verification.push_back(std::move(entry));
    }
    return verification;
}

/// Writes each loaded program's id and verification time into the shim's winbpf_verify map (entry i: the i-th loaded
/// program, as in verification) and binds the map to the program, so that it is among the program's map ids.
void write_verification(bpf_object *object, const std::string &object_name,
                        const std::vector<ProgramVerification> &verification)
{
    bpf_map *map = bpf_object__find_map_by_name(object, WINBPF_MAP_VERIFICATION);
    if (!map)
        return; // an object built without the shim's maps
    const int map_fd = bpf_map__fd(map);
    bpf_program *program;
    __u32 index = 0;
    bpf_object__for_each_program(program, object)
    {
        const int fd = bpf_program__fd(program);
        if (fd < 0)
            continue;
        if (index >= verification.size() || index >= bpf_map__max_entries(map))
            break;
        const ProgramVerification &v = verification[index];
        winbpf_verification value{};
        value.prog_id = v.id;
        value.verification_ns = v.verification_us < 0 ? 0 : static_cast<__u64>(v.verification_us) * 1000;
        if (bpf_map_update_elem(map_fd, &index, &value, BPF_ANY) != 0) {
            const int err = errno;
            throw Error(object_name + ": writing map " WINBPF_MAP_VERIFICATION " for program '" + v.name +
                            "': " + detail::errno_text(err),
                        err);
        }
        if (int err = bpf_prog_bind_map(fd, map_fd, nullptr); err != 0) {
            err = errno;
            throw Error(object_name + ": cannot bind map " WINBPF_MAP_VERIFICATION " to program '" + v.name +
                            "': " + detail::errno_text(err),
                        err);
        }
        ++index;
    }
}

} // namespace

const std::vector<ProgramVerification> &Object::verification() const
{
    return state_->verification;
}

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
    std::size_t programs = 0;
    {
        bpf_program *program;
        bpf_object__for_each_program(program, s.object)++ programs;
    }
    if (bpf_map *verify = bpf_object__find_map_by_name(s.object, WINBPF_MAP_VERIFICATION)) {
        const auto entries = static_cast<__u32>(std::max<std::size_t>(programs, 1));
        int err = bpf_map__set_max_entries(verify, entries);
        if (err != 0)
            throw Error(s.name + ": cannot size map " WINBPF_MAP_VERIFICATION " to " + std::to_string(entries) +
                            " programs: " + detail::errno_text(-err),
                        -err);
    }
    if (s.verifier_statistics) {
        constexpr std::size_t statistics_log_size = 16 * 1024;
        s.statistics_logs.assign(programs, std::string(statistics_log_size, '\0'));
        bpf_program *program;
        std::size_t i = 0;
        bpf_object__for_each_program(program, s.object)
        {
            if (bpf_program__set_log_buf(program, s.statistics_logs[i].data(), statistics_log_size) != 0 ||
                bpf_program__set_log_level(program, 4 /* BPF_LOG_STATS */) != 0)
                throw Error(s.name + ": cannot set the verifier log of program '" + bpf_program__name(program) + "'",
                            EINVAL);
            ++i;
        }
    }
    {
        detail::LogCapture log;
        int err = bpf_object__load(s.object);
        if (err != 0 && s.verifier_statistics && !s.elf.empty()) {
            // With statistics the verifier logs only them: load the object again without for its full log.
            s.statistics_logs.clear();
            Object again = open_memory(s.elf, s.name);
            again.state_->verifier_statistics = false;
            bpf_program *program;
            bpf_object__for_each_program(program, s.object)
            {
                bpf_program *twin = bpf_object__find_program_by_name(again.raw(), bpf_program__name(program));
                if (twin && bpf_program__set_autoload(twin, bpf_program__autoload(program)) != 0)
                    throw Error(s.name + ": cannot set the autoload of program '" + bpf_program__name(program) + "'",
                                EINVAL);
            }
            again.load(); // throws the rejection with the full log
            // Loaded without statistics: report the first failure as it was.
        }
        if (err != 0) {
            if (auto failure = detail::find_verifier_failure(log.text())) {
                const std::string note = detail::verifier_limit_note(failure->log);
                throw Error(s.name + ": the kernel rejected " + describe_program(s.hooks, failure->program) + ": " +
                                detail::errno_text(err) + "\n-- verifier log of " + failure->program + " --\n" +
                                failure->log + (note.empty() ? "" : "\n" + note),
                            err);
            }
            throw Error(s.name + ": load failed (" + detail::libbpf_error_text(err) + "; libbpf's messages follow)\n" +
                            log.text(),
                        err);
        }
    }
    s.loaded = true;
    s.verification = read_verification(s.object, s.statistics_logs);
    s.statistics_logs.clear();
    s.elf = {};
    write_verification(s.object, s.name, s.verification);

    if (bpf_map *config = bpf_object__find_map_by_name(s.object, WINBPF_MAP_CONFIG))
        detail::write_config(config, s.name);
    for (const detail::HookModule *module : s.modules())
        module->after_load(s.object, s.name);
    // Program arrays initialised in the source with handlers: libbpf put each handler's entry program in the slot;
    // its hook's per-event arrays get the handler's entries too, as set_tail_call does.
    for (const detail::TailSlot &slot : detail::initialised_tail_slots(s.object, s.name, s.hooks))
        set_tail_call(slot.map, slot.index, slot.program_fd);
    for (std::string &sentence : detail::functions_verified_with_callers(s.object, s.global_functions))
        s.adaptations.push_back(std::move(sentence));
}

} // namespace winbpf
