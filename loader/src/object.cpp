// SPDX-License-Identifier: MIT
// Opening winbpf objects: file checks, libbpf open, and the hook handlers found in the object.
#include "winbpf/object.hpp"

#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "object_state.hpp"
#include "winbpf/error.hpp"
#include "winbpf/unique_fd.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <elf.h>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <unistd.h>

namespace winbpf
{

namespace
{

// Reads the whole file (for the ELF checks) with a clear error for a missing or unreadable file.
std::vector<std::byte> read_file(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        throw Error("cannot open '" + path + "': " + detail::errno_text(err), err);
    }
    std::vector<std::byte> bytes;
    std::byte buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            throw Error("cannot read '" + path + "': " + detail::errno_text(err), err);
        }
        if (n == 0)
            return bytes;
        bytes.insert(bytes.end(), buffer, buffer + n);
    }
}

// Checks the programs libbpf found and groups the winbpf entry programs by handler.
void inspect_programs(bpf_object *object, const std::string &object_name, std::vector<HookProgram> &hooks)
{
    std::string unknown;
    bpf_program *program;
    bpf_object__for_each_program(program, object)
    {
        const char *name = bpf_program__name(program);
        if (bpf_program__type(program) == BPF_PROG_TYPE_UNSPEC) {
            unknown += std::string(unknown.empty() ? "" : "; ") + "program '" + name + "' in section '" +
                       bpf_program__section_name(program) + "'";
            continue;
        }
        EntryName entry = parse_entry_name(name);
        if (entry.handler.empty())
            continue;
        if (!detail::find_hook_module(entry.hook))
            throw Error(object_name + ": program '" + name + "' is an entry of hook '" + entry.hook +
                            "', which this loader does not support",
                        EOPNOTSUPP);
        auto hook = std::find_if(hooks.begin(), hooks.end(), [&](const HookProgram &h) {
            return h.handler == entry.handler && h.hook == entry.hook;
        });
        if (hook == hooks.end())
            hook = hooks.insert(hooks.end(), HookProgram{entry.handler, entry.hook, {}});
        hook->entries.push_back(program);
    }
    if (!unknown.empty())
        throw Error(object_name + ": section unknown to libbpf (" + unknown +
                        "): compile Windows-style programs with Makefile.bpf",
                    EINVAL);
    if (hooks.empty())
        throw Error(object_name + ": no known section: the object has no Windows hook program (a SEC(\"process\"), "
                                  "SEC(\"bind\"), ... handler compiled with Makefile.bpf)",
                    ENOENT);
    for (HookProgram &hook : hooks) {
        const detail::HookModule &module = *detail::find_hook_module(hook.hook);
        std::stable_sort(hook.entries.begin(), hook.entries.end(), [&](bpf_program *a, bpf_program *b) {
            return module.event_rank(parse_entry_name(bpf_program__name(a)).event) <
                   module.event_rank(parse_entry_name(bpf_program__name(b)).event);
        });
    }
}

// The map adaptations (detail::adapt_maps) for the possible CPUs of this machine, made right after open so that
// adaptations() lists them before load().
std::vector<std::string> adapt_maps(bpf_object *object, const std::string &object_name)
{
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0)
        throw Error("cannot count the possible CPUs: " + detail::errno_text(-cpus), -cpus);
    return detail::adapt_maps(object, object_name, static_cast<__u32>(cpus));
}

} // namespace

Object Object::open_file(const std::string &path, const std::string &type, const std::string &program)
{
    std::vector<std::byte> elf = read_file(path);
    detail::check_bpf_elf(elf, path);
    std::optional<std::vector<std::byte>> completed;
    if (detail::needs_completion(elf, !type.empty()))
        completed = detail::complete_object(path, type, program);
    if (completed) {
        Object object = open_memory(*completed, path);
        std::string handlers;
        for (const HookProgram &hook : object.hooks())
            handlers += (handlers.empty() ? "" : ", ") + hook.handler + " (" + hook.hook + ")";
        object.state_->adaptations.insert(object.state_->adaptations.begin(),
                                          "object: built by plain clang in one pass (no winbpf entry programs): "
                                          "completed at load time with the entry programs of " +
                                              handlers + ", as Makefile.bpf builds them");
        if (!detail::has_btf(elf))
            object.state_->adaptations.insert(
                object.state_->adaptations.begin() + 1,
                "object: compiled without -g (no BTF, which libbpf 1.x needs): winbpf gave it BTF of its own, its "
                "legacy SEC(\"maps\") maps and winbpf's maps moved to .maps and described, a BTF function of each of "
                "its functions; the verifier's messages have no source lines");
        return object;
    }
    auto state = std::make_unique<Object::State>();
    state->name = path;
    state->elf = std::move(elf);
    detail::LogCapture log;
    if (detail::show_optional_programs(state->elf) > 0) {
        // libbpf opens the copy with the optional programs visible again, under the name open_file would give it (the
        // file name up to its first '.': the prefix of the object's internal maps).
        const std::string file = std::filesystem::path(path).filename().string();
        const std::string object_name = file.substr(0, file.find('.'));
        LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = object_name.c_str());
        state->object = bpf_object__open_mem(state->elf.data(), state->elf.size(), &opts);
    } else {
        state->object = bpf_object__open_file(path.c_str(), nullptr);
    }
    if (!state->object) {
        int err = errno;
        throw Error("libbpf cannot open '" + path + "' as a BPF object (" + detail::libbpf_error_text(err) +
                        ": the file was read; libbpf's messages follow)\n" + log.text(),
                    err);
    }
    inspect_programs(state->object, state->name, state->hooks);
    state->adaptations = adapt_maps(state->object, state->name);
    state->global_functions = detail::functions_given_static_linkage(state->object);
    return Object(std::move(state));
}

Object Object::open_memory(std::span<const std::byte> elf, const std::string &name)
{
    detail::check_bpf_elf(elf, name);
    auto state = std::make_unique<Object::State>();
    state->name = name;
    state->elf.assign(elf.begin(), elf.end());
    detail::show_optional_programs(state->elf);
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name.c_str());
    detail::LogCapture log;
    // The copy, with the optional programs visible again (the caller's bytes keep them hidden).
    state->object = bpf_object__open_mem(state->elf.data(), state->elf.size(), &opts);
    if (!state->object) {
        int err = errno;
        throw Error("libbpf cannot open '" + name + "' as a BPF object (" + detail::libbpf_error_text(err) +
                        "; libbpf's messages follow)\n" + log.text(),
                    err);
    }
    inspect_programs(state->object, state->name, state->hooks);
    state->adaptations = adapt_maps(state->object, state->name);
    state->global_functions = detail::functions_given_static_linkage(state->object);
    return Object(std::move(state));
}

Object::Object(std::unique_ptr<State> state) : state_(std::move(state)) {}
Object::Object(Object &&) noexcept = default;
Object &Object::operator=(Object &&) noexcept = default;
Object::~Object() = default;

const std::string &Object::name() const
{
    return state_->name;
}
const std::vector<std::string> &Object::adaptations() const
{
    return state_->adaptations;
}
const std::vector<HookProgram> &Object::hooks() const
{
    return state_->hooks;
}
bpf_object *Object::raw() const noexcept
{
    return state_->object;
}

std::vector<const detail::HookModule *> Object::State::modules() const
{
    std::vector<const detail::HookModule *> used;
    for (const HookProgram &hook : hooks)
        if (const detail::HookModule *module = detail::find_hook_module(hook.hook);
            std::find(used.begin(), used.end(), module) == used.end())
            used.push_back(module);
    return used;
}

std::vector<bpf_program *> Object::support_programs() const
{
    std::vector<bpf_program *> programs;
    for (const detail::HookModule *module : state_->modules())
        for (bpf_program *program : module->support_programs(state_->object))
            programs.push_back(program);
    return programs;
}

bpf_map *Object::map(std::string_view name) const
{
    std::string key(name);
    bpf_map *found = bpf_object__find_map_by_name(state_->object, key.c_str());
    if (!found)
        throw Error(state_->name + ": no map named '" + key + "'", ENOENT);
    return found;
}

std::uint64_t Object::lost_events() const
{
    bpf_map *lost = map(WINBPF_MAP_LOST);
    int fd = bpf_map__fd(lost);
    if (fd < 0)
        throw Error(state_->name + ": map " WINBPF_MAP_LOST " is not loaded (call load() first)", EINVAL);
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0)
        throw Error("cannot count the possible CPUs: " + detail::errno_text(-cpus), -cpus);
    std::vector<std::uint64_t> values(static_cast<std::size_t>(cpus));
    __u32 zero = 0;
    if (bpf_map_lookup_elem(fd, &zero, values.data()) != 0) {
        int err = errno;
        throw Error(state_->name + ": reading map " WINBPF_MAP_LOST ": " + detail::errno_text(err), err);
    }
    std::uint64_t total = 0;
    for (std::uint64_t v : values)
        total += v;
    return total;
}

} // namespace winbpf
