// SPDX-License-Identifier: MIT
// What the verbs share: netsh-style parameters and the privilege check.
#include "commands.hpp"

#include "pin_layout.hpp"

#include "winbpf/error.hpp"
#include "winbpf/hook.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/object.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace winbpf::cli
{

std::map<std::string, std::string> parse_parameters(const std::vector<std::string> &parameters,
                                                    const std::vector<std::string_view> &allowed)
{
    std::string names;
    for (std::string_view name : allowed)
        names += (names.empty() ? "" : ", ") + std::string(name) + "=";
    std::map<std::string, std::string> values;
    for (const std::string &parameter : parameters) {
        auto equals = parameter.find('=');
        std::string name = parameter.substr(0, equals);
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
            throw UsageError("unknown parameter '" + name + "' (this verb takes " +
                             (names.empty() ? std::string("no parameters") : names) + ")");
        if (equals == std::string::npos || equals + 1 == parameter.size())
            throw UsageError("parameter '" + parameter + "' has no value (expected " + name + "=VALUE)");
        if (!values.emplace(name, parameter.substr(equals + 1)).second)
            throw UsageError("parameter '" + name + "' is given twice");
    }
    return values;
}

void check_program_type(const std::string &type, bool linux_types)
{
    std::string known;
    for (const HookType &hook : hook_types()) {
        if (hook.name == type)
            return;
        known += (known.empty() ? "" : ", ") + hook.name;
    }
    if (linux_types)
        for (int linux_type = 0; const char *name = libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(linux_type));
             ++linux_type)
            if (name == type)
                return;
    throw UsageError("Program type is invalid. ('" + type + "'; winbpf knows " + known +
                     (linux_types ? ", and Linux program types such as tracing" : "") + ")");
}

namespace
{

// net.core.bpf_jit_enable (0 off, 1 on, 2 on with debug output), or -1 when it cannot be read.
int jit_enable()
{
    std::ifstream file("/proc/sys/net/core/bpf_jit_enable");
    int value = -1;
    return file >> value ? value : -1;
}

// Whether the running kernel's configuration (/boot/config-<release>) sets CONFIG_BPF_JIT_ALWAYS_ON.
bool jit_always_on()
{
    struct utsname name {
    };
    if (::uname(&name) != 0)
        return false;
    std::ifstream config(std::string("/boot/config-") + name.release);
    std::string line;
    while (std::getline(config, line))
        if (line == "CONFIG_BPF_JIT_ALWAYS_ON=y")
            return true;
    return false;
}

} // namespace

void check_execution(const std::string &execution)
{
    if (execution != "jit" && execution != "native" && execution != "interpret")
        throw UsageError("execution=" + execution + " is invalid (expected jit, native or interpret)");
    const int jit = jit_enable();
    if (execution == "interpret") {
        if (jit_always_on())
            throw Error("execution=interpret: this kernel has no BPF interpreter (it was built with "
                        "CONFIG_BPF_JIT_ALWAYS_ON): its JIT runs every program; use execution=jit",
                        ENOTSUP);
        if (jit != 0)
            throw Error("execution=interpret: the kernel's JIT is on (net.core.bpf_jit_enable=" + std::to_string(jit) +
                            ") and Linux runs every program through it, it has no per-program choice: use "
                            "execution=jit, or turn the JIT off for all programs (sysctl net.core.bpf_jit_enable=0)",
                        ENOTSUP);
        return;
    }
    // native: eBPF for Windows' native images are compiled ahead of time; Linux's JIT compiles at load time, to the
    // same end (machine code).
    if (jit == 0)
        throw Error("execution=" + execution +
                        ": the kernel's JIT is off (net.core.bpf_jit_enable=0): turn it on "
                        "(sysctl net.core.bpf_jit_enable=1) or use execution=interpret",
                    ENOTSUP);
}

void check_object_type(const Object &object, const std::string &type)
{
    std::string present;
    bool fits = true;
    for (const HookProgram &hook : object.hooks()) {
        fits = fits && hook.hook == type;
        if (present.find(hook.hook) == std::string::npos)
            present += (present.empty() ? "" : ", ") + hook.hook;
    }
    if (!fits)
        throw Error(object.name() + ": its programs are of type " + present + ", not " + type, EINVAL);
}

std::vector<std::uint32_t> added_from_file(const std::string &file, const std::string &section)
{
    namespace fs = std::filesystem;
    const Object object = Object::open_file(file);
    std::set<std::string> entries;
    for (const HookProgram &hook : object.hooks())
        for (bpf_program *entry : hook.entries)
            if (section.empty() || section == hook.hook || section == bpf_program__section_name(entry))
                entries.insert(bpf_program__name(entry));
    std::vector<std::uint32_t> ids;
    std::error_code ec;
    if (entries.empty() || !fs::is_directory(pin_root, ec))
        return ids;
    for (const fs::directory_entry &dir : fs::directory_iterator(pin_root, ec)) {
        const std::string name = dir.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        for (const std::string &entry : entries)
            if (fs::exists(dir.path() / entry, ec)) {
                ids.push_back(static_cast<std::uint32_t>(std::stoul(name)));
                break;
            }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

namespace
{

struct Capability {
    int number;
    const char *name;
};
constexpr Capability cap_net_admin{12, "CAP_NET_ADMIN"}, cap_sys_admin{21, "CAP_SYS_ADMIN"},
    cap_perfmon{38, "CAP_PERFMON"}, cap_bpf{39, "CAP_BPF"};

std::uint64_t effective_capabilities()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("CapEff:"))
            return std::stoull(line.substr(7), nullptr, 16);
    return 0;
}

bool is_loaded(std::uint32_t id, int (*get_next_id)(__u32, __u32 *), bool &known)
{
    // By the id walk alone: opening a map by id could keep a closing program array alive (inventory.cpp).
    __u32 next = id - 1;
    if (id == 0 || get_next_id(next, &next) != 0) {
        known = known && errno == ENOENT;
        return false;
    }
    return next == id;
}

} // namespace

void require_privilege(Verb verb)
{
    std::vector<Capability> needed;
    std::string what, why;
    switch (verb) {
    case Verb::add_program:
    case Verb::load_only:
        needed = {cap_bpf, cap_perfmon, cap_net_admin};
        what = verb == Verb::add_program ? "add program" : "show verification|disassembly|compatibility";
        why = "loading BPF programs needs CAP_BPF, tracing programs (process, netevent_monitor) CAP_PERFMON, cgroup "
              "and XDP programs (bind, xdp) CAP_NET_ADMIN";
        break;
    case Verb::list_by_id:
        needed = {cap_sys_admin};
        what = "show programs|maps|links|map and pin";
        why = "the kernel walks BPF objects and opens them by id only for CAP_SYS_ADMIN";
        break;
    case Verb::delete_program:
        return;
    }
    const std::uint64_t effective = effective_capabilities();
    std::string names, missing;
    for (const Capability &cap : needed) {
        names += (names.empty() ? "" : ", ") + std::string(cap.name);
        if (!(effective & (1ULL << cap.number)) && !(effective & (1ULL << cap_sys_admin.number)))
            missing += (missing.empty() ? "" : ", ") + std::string(cap.name);
    }
    if (missing.empty())
        return;
    throw Error(what + " must run as root or with " + names + " (" + why + "; missing: " + missing +
                    ", effective uid " + std::to_string(::geteuid()) + ")",
                EPERM);
}

void require_write_access(const std::string &verb, const std::string &dir)
{
    struct stat st {
    };
    if (::stat(dir.c_str(), &st) != 0 && errno == ENOENT)
        return;
    if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) == 0)
        return;
    const int err = errno;
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
    throw Error(verb + " writes pins in " + dir + ": " + std::strerror(err) + " (" + dir + " belongs to uid " +
                    std::to_string(st.st_uid) + ", mode " + mode +
                    ": run as root, as its owner or with CAP_DAC_OVERRIDE; effective uid " +
                    std::to_string(::geteuid()) + ")",
                err);
}

LoadedIds wait_until_freed(const LoadedIds &ids, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        bool known = true;
        LoadedIds left;
        for (std::uint32_t id : ids.programs)
            if (is_loaded(id, bpf_prog_get_next_id, known))
                left.programs.push_back(id);
        for (std::uint32_t id : ids.maps)
            if (is_loaded(id, bpf_map_get_next_id, known))
                left.maps.push_back(id);
        if (!known)
            return {};
        if ((left.programs.empty() && left.maps.empty()) || std::chrono::steady_clock::now() >= deadline)
            return left;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

} // namespace winbpf::cli
