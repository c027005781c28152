// SPDX-License-Identifier: MIT
// The registry of hook modules (from shim/include/winbpf/hooks.h) and the modules' defaults.
#include "hooks/hook_module.hpp"

#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>

namespace winbpf::detail
{

void HookModule::before_load(bpf_object *, const std::string &, std::span<const HookProgram>) const {}

void HookModule::after_load(bpf_object *, const std::string &) const {}

std::vector<bpf_program *> HookModule::support_programs(bpf_object *) const
{
    return {};
}

std::vector<std::string_view> HookModule::attach_options() const
{
    return {};
}

bpf_link *HookModule::attach(bpf_program *program, const AttachOptions &) const
{
    return attach_by_section(program);
}

UniqueFd HookModule::attach_loaded(const LoadedProgram &program, const AttachOptions &) const
{
    return link_by_section(program);
}

std::vector<std::string_view> HookModule::helpers() const
{
    return {};
}

std::string HookModule::attach_note() const
{
    return {};
}

std::string HookModule::attach_type(std::string_view) const
{
    return {};
}

std::string HookModule::attach_type_note(std::string_view) const
{
    return {};
}

int HookModule::event_rank(std::string_view event) const
{
    const std::vector<LinuxHook> hooks = linux_hooks();
    for (std::size_t i = 0; i < hooks.size(); ++i)
        if (hooks[i].event == event)
            return static_cast<int>(i);
    return static_cast<int>(hooks.size());
}

int rank_in(std::span<const std::string_view> order, std::string_view event)
{
    for (std::size_t i = 0; i < order.size(); ++i)
        if (event == order[i])
            return static_cast<int>(i);
    return static_cast<int>(order.size());
}

bpf_link *attach_checked(bpf_program *program, std::string_view target, const std::function<bpf_link *()> &attach,
                         const std::function<std::string(int)> &hint)
{
    LogCapture log;
    bpf_link *link = attach();
    if (!link) {
        int err = errno;
        // A hint explains the error in the user's terms; libbpf's lines would only repeat the errno.
        const std::string explained = hint ? hint(err) : std::string();
        throw Error("attaching program '" + std::string(bpf_program__name(program)) + "' (section " +
                        bpf_program__section_name(program) + ")" + std::string(target) + ": " + errno_text(err) +
                        (explained.empty() ? "\n" + log.text() : explained),
                    err);
    }
    return link;
}

bpf_link *attach_by_section(bpf_program *program)
{
    return attach_checked(program, {}, [&] { return bpf_program__attach(program); });
}

UniqueFd link_checked(const LoadedProgram &program, std::string_view target, const std::function<int()> &create,
                      const std::function<std::string(int)> &hint)
{
    UniqueFd link(create());
    if (!link) {
        int err = errno;
        throw Error("attaching program '" + program.name + "' (section " + program.section + ")" + std::string(target) +
                        ": " + errno_text(err) + (hint ? hint(err) : std::string()),
                    err);
    }
    return link;
}

namespace
{
// The program and attach types libbpf gives section; throws Error naming the program for a section it does not know.
std::pair<bpf_prog_type, bpf_attach_type> section_types(const LoadedProgram &program)
{
    bpf_prog_type type{};
    bpf_attach_type attach{};
    if (libbpf_prog_type_by_name(program.section.c_str(), &type, &attach) != 0)
        throw Error("program '" + program.name + "': libbpf knows no section '" + program.section + "'", EINVAL);
    return {type, attach};
}

// The tracefs id of tracepoint CATEGORY/NAME (tracefs at /sys/kernel/tracing, or under debugfs); -1 when none.
long tracepoint_id(const std::string &tracepoint)
{
    for (const char *root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
        std::ifstream file(std::string(root) + "/events/" + tracepoint + "/id");
        long id = -1;
        if (file >> id)
            return id;
    }
    return -1;
}
} // namespace

UniqueFd link_by_section(const LoadedProgram &program)
{
    const bpf_prog_type type = section_types(program).first;
    const std::string_view section = program.section;
    if (type == BPF_PROG_TYPE_TRACING || type == BPF_PROG_TYPE_LSM || type == BPF_PROG_TYPE_EXT)
        return link_checked(program, {}, [&] { return bpf_raw_tracepoint_open(nullptr, program.fd); });
    if (type == BPF_PROG_TYPE_RAW_TRACEPOINT && section.find('/') != std::string_view::npos) {
        const std::string name(section.substr(section.find('/') + 1));
        return link_checked(program, " to raw tracepoint '" + name + "'",
                            [&] { return bpf_raw_tracepoint_open(name.c_str(), program.fd); });
    }
    if (type == BPF_PROG_TYPE_TRACEPOINT && section.find('/') != std::string_view::npos) {
        const std::string tracepoint(section.substr(section.find('/') + 1));
        const long id = tracepoint_id(tracepoint);
        if (id < 0)
            throw Error("attaching program '" + program.name + "': no tracepoint " + tracepoint +
                            " in tracefs (/sys/kernel/tracing/events: is tracefs mounted?)",
                        ENOENT);
        perf_event_attr attr{};
        attr.size = sizeof(attr);
        attr.type = PERF_TYPE_TRACEPOINT;
        attr.config = static_cast<__u64>(id);
        UniqueFd event(static_cast<int>(
            ::syscall(SYS_perf_event_open, &attr, -1 /* every process */, 0 /* cpu */, -1, PERF_FLAG_FD_CLOEXEC)));
        if (!event) {
            int err = errno;
            throw Error("attaching program '" + program.name + "': opening tracepoint " + tracepoint + ": " +
                            errno_text(err),
                        err);
        }
        // The link holds the perf event: this fd may close.
        return link_checked(program, " to tracepoint '" + tracepoint + "'",
                            [&] { return bpf_link_create(program.fd, event.get(), BPF_PERF_EVENT, nullptr); });
    }
    throw Error("attaching program '" + program.name + "': section " + program.section +
                    " names no attach point (its hook module attaches it)",
                EOPNOTSUPP);
}

UniqueFd link_to_cgroup(const LoadedProgram &program, const std::string &path)
{
    const bpf_attach_type attach = section_types(program).second;
    UniqueFd cgroup = open_cgroup2(path);
    return link_checked(program, " to cgroup '" + path + "'",
                        [&] { return bpf_link_create(program.fd, cgroup.get(), attach, nullptr); });
}

std::string cgroup_path(const AttachOptions &options)
{
    return options.cgroup.empty() ? cgroup2_mount() : options.cgroup;
}

bpf_link *attach_to_cgroup(bpf_program *program, const std::string &path)
{
    UniqueFd cgroup = open_cgroup2(path);
    return attach_checked(program, " to cgroup '" + path + "'",
                          [&] { return bpf_program__attach_cgroup(program, cgroup.get()); });
}

namespace
{
#define WINBPF_MODULE_ROW(name, context, header, object_macro, entry_macro) &name##_hook_module,
#define WINBPF_NO_MODULE_ROW(name)
constexpr std::array modules{WINBPF_HOOKS(WINBPF_MODULE_ROW, WINBPF_NO_MODULE_ROW)};

#define WINBPF_NAME_ROW(name, context, header, object_macro, entry_macro) std::string_view(#name),
#define WINBPF_PLANNED_NAME_ROW(name) std::string_view(#name),
constexpr std::array names{WINBPF_HOOKS(WINBPF_NAME_ROW, WINBPF_PLANNED_NAME_ROW)};
#define WINBPF_CONTEXT_ROW(name, context, header, object_macro, entry_macro)                                           \
    std::pair<std::string_view, std::string_view>(#name, #context),
#define WINBPF_NO_CONTEXT_ROW(name)
constexpr std::array contexts{WINBPF_HOOKS(WINBPF_CONTEXT_ROW, WINBPF_NO_CONTEXT_ROW)};
#define WINBPF_SECTION_ROW(name, section, attach, entry_macro)                                                         \
    std::pair<std::string_view, std::string_view>(#name, section),
constexpr std::array sections{WINBPF_HOOK_SECTIONS(WINBPF_SECTION_ROW)};

// The SEC() prefixes of a hook's handlers: its WINBPF_SECTION rows, or its name.
std::vector<std::string> hook_sections(std::string_view name)
{
    std::vector<std::string> list;
    for (auto [hook, section] : sections)
        if (hook == name)
            list.emplace_back(section);
    if (list.empty())
        list.emplace_back(name);
    return list;
}
} // namespace

std::string hook_context_type(std::string_view name)
{
    for (auto [hook, tag] : contexts) {
        if (hook != name)
            continue;
        while (tag.starts_with('_'))
            tag.remove_prefix(1);
        while (tag.ends_with('_'))
            tag.remove_suffix(1);
        return std::string(tag) + "_t";
    }
    return {};
}

const HookModule *find_hook_module(std::string_view name)
{
    for (auto module : modules)
        if (module().name() == name)
            return &module();
    return nullptr;
}

std::span<const std::string_view> known_hook_names()
{
    return names;
}

} // namespace winbpf::detail

namespace winbpf
{

std::vector<HookType> hook_types()
{
    std::vector<HookType> types;
    for (auto module : detail::modules) {
        const detail::HookModule &m = module();
        HookType type;
        type.name = m.name();
        type.sections = detail::hook_sections(m.name());
        type.context = detail::hook_context_type(m.name());
        auto [program, attach] = m.windows_type_guids();
        type.program_type_guid = program;
        type.attach_type_guid = attach;
        for (std::string_view helper : m.helpers())
            type.helpers.emplace_back(helper);
        for (std::string_view option : m.attach_options())
            type.attach_options.emplace_back(option);
        type.linux_hooks = m.linux_hooks();
        types.push_back(std::move(type));
    }
    return types;
}

int entry_rank(const EntryName &entry)
{
    const detail::HookModule *module = detail::find_hook_module(entry.hook);
    return module ? module->event_rank(entry.event) : 1 << 20;
}

} // namespace winbpf
