// SPDX-License-Identifier: MIT
// What the verbs share: netsh-style parameters and the privilege check.
#include "commands.hpp"

#include "winbpf/error.hpp"
#include "winbpf/hook.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
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
