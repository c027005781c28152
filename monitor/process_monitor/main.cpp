// SPDX-License-Identifier: MIT
// process_monitor: prints the process creations and exits seen through the winbpf process hook.
#include "process_monitor.hpp"

#include "common/command_line.hpp"
#include "common/session.hpp"

#include "winbpf/error.hpp"
#include "winbpf/object.hpp"

#include <bpf/libbpf.h>

#include <cstring>
#include <string>

#include "process_monitor.skel.h" // process_monitor_bpf__elf_bytes: bpf/process_monitor.o

int main(int argc, char **argv)
{
    using namespace winbpf::monitor;
    const ToolCommandLine command_line{
        "process_monitor", "Prints every process creation (exec) and exit seen by the winbpf process hook, one line "
                           "each, until Ctrl-C. Needs CAP_BPF and CAP_PERFMON (root has them); holds no capability "
                           "once attached."};
    CommonOptions options;
    if (const auto status = parse_command_line(command_line, options, argc, argv))
        return *status;

    ProcessMonitorFormatter formatter(options.format());
    SessionConfig config;
    config.tool = "process_monitor";
    config.object_elf = skeleton_elf(process_monitor_bpf__elf_bytes);
    config.ring_buffer_map = "process_ringbuf";
    config.handle_record = [&formatter](std::span<const std::byte> record, std::string &out) {
        return formatter.format(record, out);
    };
    // After attaching, so every process is either in the snapshot or has its CREATE in the ring buffer.
    config.after_attach = [&formatter] { add_running_processes(formatter.table()); };
    options.configure(config);
    return run_session(config);
}
