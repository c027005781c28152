// SPDX-License-Identifier: MIT
// connection_monitor: prints the start (outbound "connect", inbound "accept") and end ("close", with the duration) of
// every TCP and UDP flow of the processes in one cgroup-v2 subtree, seen through the winbpf sockops hook.
#include "connection_monitor.hpp"

#include "common/command_line.hpp"
#include "common/session.hpp"

#include "connection_monitor.skel.h" // connection_monitor_bpf__elf_bytes: bpf/connection_monitor.o

int main(int argc, char **argv)
{
    using namespace winbpf::monitor;
    std::string cgroup;
    const ToolCommandLine command_line{
        "connection_monitor",
        "Prints the start and end of every TCP and UDP flow (outbound and inbound) of the processes in a cgroup-v2 "
        "subtree seen by the winbpf sockops hook, one line each, until Ctrl-C. Needs CAP_BPF, CAP_PERFMON and "
        "CAP_NET_ADMIN (root has them); holds no capability once attached.",
        {{"--cgroup", "cgroup-v2 directory to watch, with its descendants (default: the root)", &cgroup}}};
    CommonOptions options;
    if (const auto status = parse_command_line(command_line, options, argc, argv))
        return *status;

    ConnectionMonitorFormatter formatter(options.format(), options.realtime_minus_boottime_ns);
    SessionConfig config;
    config.tool = "connection_monitor";
    config.object_elf = skeleton_elf(connection_monitor_bpf__elf_bytes);
    config.ring_buffer_map = "connection_ringbuf";
    config.handle_record = [&formatter](std::span<const std::byte> record, std::string &out) {
        return formatter.format(record, out);
    };
    config.attach = [&cgroup](const winbpf::Object &object) {
        winbpf::AttachOptions attach_options;
        attach_options.cgroup = cgroup;
        return winbpf::Attachment(object, attach_options);
    };
    // sockops, cgroup_skb and cgroup sock programs are networking programs: CAP_NET_ADMIN besides CAP_BPF and
    // CAP_PERFMON (the glue reads the socket owner's task).
    config.capabilities = {CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN};
    options.configure(config);
    return run_session(config);
}
