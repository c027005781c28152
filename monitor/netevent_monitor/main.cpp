// SPDX-License-Identifier: MIT
// netevent_monitor: prints the packet drops and TCP flow changes seen through the winbpf netevent_monitor hook.
#include "netevent_monitor.hpp"

#include "common/command_line.hpp"
#include "common/session.hpp"

#include "netevent_monitor.skel.h" // netevent_monitor_bpf__elf_bytes: bpf/netevent_monitor.o

#include "winbpf/error.hpp"

#include <cstdio>

int main(int argc, char **argv)
{
    using namespace winbpf::monitor;
    std::string capture = "drop";
    const ToolCommandLine command_line{
        "netevent_monitor",
        "Prints every packet the kernel drops (with its drop reason) and every TCP state change seen by the winbpf "
        "netevent_monitor hook, one line each, until Ctrl-C. Needs CAP_BPF and CAP_PERFMON (root has them); holds no "
        "capability once attached.",
        {{"--capture",
          "Events to capture: drop (default), flow, all or none",
          &capture,
          {winbpf::capture_type_names.begin(), winbpf::capture_type_names.end()}}}};
    CommonOptions options;
    if (const auto status = parse_command_line(command_line, options, argc, argv))
        return *status;

    KernelNames names;
    try {
        names = load_kernel_names();
    } catch (const winbpf::Error &error) {
        std::fprintf(stderr, "netevent_monitor: %s\n", error.what());
        return 1;
    }
    NeteventMonitorFormatter formatter(options.format(), std::move(names));
    SessionConfig config;
    config.tool = "netevent_monitor";
    config.object_elf = skeleton_elf(netevent_monitor_bpf__elf_bytes);
    config.ring_buffer_map = "netevent_ringbuf";
    config.handle_record = [&formatter](std::span<const std::byte> record, std::string &out) {
        return formatter.format(record, out);
    };
    const winbpf::CaptureType capture_type = winbpf::parse_capture_type(capture); // one of the values allowed
    config.attach = [capture_type](const winbpf::Object &object) {
        return winbpf::Attachment(
            object,
            winbpf::AttachOptions{.cgroup = {}, .capture = capture_type, .interface = {}, .compartment_id = {}});
    };
    options.configure(config);
    return run_session(config);
}
