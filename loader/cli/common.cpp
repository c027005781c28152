// SPDX-License-Identifier: MIT
// What the verbs share: netsh-style parameters and the privilege check.
#include "commands.hpp"

#include "winbpf/error.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
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

void require_bpf_privilege()
{
    constexpr int cap_sys_admin = 21, cap_bpf = 39;
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (!line.starts_with("CapEff:"))
            continue;
        const unsigned long long effective = std::stoull(line.substr(7), nullptr, 16);
        if (effective & ((1ULL << cap_sys_admin) | (1ULL << cap_bpf)))
            return;
    }
    throw Error("must run as root or with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (CAP_SYS_ADMIN on kernels before "
                "5.8): loading and listing BPF programs and maps is privileged (effective uid " +
                    std::to_string(::geteuid()) + ")",
                EPERM);
}

} // namespace winbpf::cli
