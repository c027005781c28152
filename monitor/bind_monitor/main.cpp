// SPDX-License-Identifier: MIT
// bind_monitor: prints the binds, post-binds and unbinds seen through the winbpf bind hook in one cgroup-v2 subtree,
// and limits the sockets a process may hold bound (bpf/bind_monitor.c's limits_map).
#include "bind_monitor.hpp"

#include "common/command_line.hpp"
#include "common/session.hpp"

#include "bind_monitor.skel.h" // bind_monitor_bpf__elf_bytes: bpf/bind_monitor.o

#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

namespace
{

/// Writes limit (bound sockets per process, BIND_MONITOR_NO_LIMIT: none) into the loaded object's limits_map.
/// Throws winbpf::Error when the map is missing or the write fails.
void write_limit(const winbpf::Object &object, std::uint32_t limit)
{
    const std::uint32_t zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(object.map("limits_map")), &zero, &limit, BPF_ANY) != 0) {
        const int error = errno;
        throw winbpf::Error(object.name() + ": writing map limits_map: " + std::strerror(error), error);
    }
}

} // namespace

int main(int argc, char **argv)
{
    using namespace winbpf::monitor;
    std::uint32_t limit = BIND_MONITOR_NO_LIMIT;
    std::string cgroup;
    const ToolCommandLine command_line{
        "bind_monitor",
        "Prints every bind, post-bind (port chosen) and unbind of the processes in a cgroup-v2 subtree seen "
        "by the winbpf bind hook, one line each, until Ctrl-C. Needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (root has "
        "them); holds no capability once attached.",
        {{"--limit", "Bound sockets a process may hold; further binds fail with EPERM (0: no limit)", &limit},
         {"--cgroup", "cgroup-v2 directory to watch, with its descendants (default: the root)", &cgroup}}};
    CommonOptions options;
    if (const auto status = parse_command_line(command_line, options, argc, argv))
        return *status;

    BindMonitorFormatter formatter(options.format(), options.realtime_minus_boottime_ns);
    SessionConfig config;
    config.tool = "bind_monitor";
    config.object_elf = skeleton_elf(bind_monitor_bpf__elf_bytes);
    config.ring_buffer_map = "bind_ringbuf";
    config.handle_record = [&formatter](std::span<const std::byte> record, std::string &out) {
        return formatter.format(record, out);
    };
    config.attach = [limit, &cgroup](const winbpf::Object &object) {
        write_limit(object, limit);
        winbpf::AttachOptions options;
        options.cgroup = cgroup;
        return winbpf::Attachment(object, options);
    };
    // cgroup sock_addr and sock programs are networking programs: CAP_NET_ADMIN besides CAP_BPF and CAP_PERFMON
    // (the handler reads the caller's task and executable name).
    config.capabilities = {CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN};
    options.configure(config);
    return run_session(config);
}
