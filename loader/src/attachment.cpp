// SPDX-License-Identifier: MIT
// Attaching a loaded object's hook entry programs and support programs (RAII links).
#include "winbpf/attachment.hpp"

#include "hooks/hook_module.hpp"
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cctype>

namespace winbpf
{

Link::Link(bpf_link *link, bpf_program *program) : link_(link), program_(program) {}

Link::Link(Link &&other) noexcept : link_(other.link_), program_(other.program_)
{
    other.link_ = nullptr;
}

Link &Link::operator=(Link &&other) noexcept
{
    if (this != &other) {
        bpf_link__destroy(link_);
        link_ = other.link_;
        program_ = other.program_;
        other.link_ = nullptr;
    }
    return *this;
}

Link::~Link()
{
    bpf_link__destroy(link_);
}

namespace
{
// An option set for an object none of whose hooks uses it: netsh's error ("Interface parameter is not allowed for
// program types that don't support interfaces.") for each option, with the object's hooks.
struct OptionUse {
    std::string_view option;  ///< Name in AttachOptions and in `winbpf add program` (name=value).
    std::string_view subject; ///< Plural of what it names, in netsh's sentence.
    bool set;
};

// hooks: the hook of each program (repeated hooks are listed once); subject names them in the message.
void check_options(const std::vector<std::string> &hooks_used, const std::string &subject, const AttachOptions &options)
{
    const OptionUse uses[] = {{"cgroup", "cgroups", !options.cgroup.empty()},
                              {"capture", "capture types", options.capture.has_value()},
                              {"interface", "interfaces", !options.interface.empty()},
                              {"compartment_id", "compartments", !options.compartment_id.empty()}};
    for (const OptionUse &use : uses) {
        if (!use.set)
            continue;
        bool used = false;
        for (const std::string &hook : hooks_used)
            for (std::string_view name : detail::find_hook_module(hook)->attach_options())
                used = used || name == use.option;
        if (used)
            continue;
        std::string hooks;
        for (const std::string &hook : hooks_used)
            if (hooks.find(hook) == std::string::npos)
                hooks += (hooks.empty() ? "" : ", ") + hook;
        std::string name(use.option);
        name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
        throw Error(name + " parameter is not allowed for program types that don't support " +
                        std::string(use.subject) + ". (" + subject + ": program types " + hooks + ")",
                    EINVAL);
    }
}
} // namespace

Attachment::Attachment(const Object &object, const AttachOptions &options)
{
    std::vector<std::string> hooks;
    for (const HookProgram &hook : object.hooks())
        hooks.push_back(hook.hook);
    check_options(hooks, object.name(), options);
    for (const HookProgram &hook : object.hooks()) {
        const detail::HookModule &module = *detail::find_hook_module(hook.hook);
        for (bpf_program *entry : hook.entries)
            if (bpf_program__autoload(entry)) {
                if (bpf_program__fd(entry) < 0)
                    throw Error(object.name() + ": program '" + bpf_program__name(entry) +
                                    "' is not loaded (call load() first)",
                                EINVAL);
                if (bpf_link *link = module.attach(entry, options))
                    links_.emplace_back(link, entry);
            }
        if (std::find(modules_.begin(), modules_.end(), &module) != modules_.end())
            continue;
        modules_.push_back(&module);
        for (bpf_program *support : module.support_programs(object.raw()))
            if (bpf_program__autoload(support))
                if (bpf_link *link = module.attach(support, options))
                    links_.emplace_back(link, support);
    }
}

namespace
{
// The hook module and libbpf section of a program loaded from a winbpf object, by its function name: an entry's event
// or a support program in its hook's linux_hooks(). Throws Error when no hook has it.
std::pair<const detail::HookModule *, std::string> module_of(const std::string &name)
{
    const EntryName entry = parse_entry_name(name);
    for (const HookType &type : hook_types()) {
        if (!entry.hook.empty() && type.name != entry.hook)
            continue;
        const std::string event = entry.hook.empty() ? "support: " + name : entry.event;
        for (const LinuxHook &hook : type.linux_hooks)
            if (hook.event == event)
                return {detail::find_hook_module(type.name), hook.section};
    }
    throw Error("program '" + name + "' is no entry or support program of a hook winbpf maps (" +
                    (entry.hook.empty() ? "not <handler>__winbpf_<hook>_<event>"
                                        : "hook " + entry.hook + " has no event " + entry.event) +
                    ")",
                EINVAL);
}
} // namespace

std::vector<UniqueFd> attach_pinned(std::span<const PinnedProgram> programs, const AttachOptions &options)
{
    std::vector<std::pair<const detail::HookModule *, detail::LoadedProgram>> resolved;
    std::vector<std::string> hooks;
    std::string names;
    for (const PinnedProgram &program : programs) {
        auto [module, section] = module_of(program.name);
        resolved.push_back({module, detail::LoadedProgram{program.fd, program.name, section}});
        hooks.emplace_back(module->name());
        names += (names.empty() ? "" : ", ") + program.name;
    }
    check_options(hooks, names, options);
    std::vector<UniqueFd> links;
    for (const auto &[module, program] : resolved)
        links.push_back(module->attach_loaded(program, options));
    return links;
}

std::vector<std::string> Attachment::notes() const
{
    std::vector<std::string> notes;
    for (const detail::HookModule *module : modules_)
        if (std::string note = module->attach_note(); !note.empty())
            notes.push_back(std::move(note));
    return notes;
}

} // namespace winbpf
