// SPDX-License-Identifier: MIT
// netevent_sim: like eBPF for Windows' netevent_sim driver, pushes synthetic events through every netevent_monitor
// program attached now, without network traffic (docs/hooks/netevent_monitor.md). Each handler's sim entry
// (<handler>__winbpf_netevent_monitor_sim, never attached) is run with BPF_PROG_TEST_RUN; the handler's capture type
// is read from which of its sibling entries (drop, flow: same handler, same object) have BPF links.
#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/unique_fd.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <cstdint>
extern "C" {
#include "winbpf/netevent_layout.h"
}

#include <CLI/CLI.hpp>
#include <bpf/bpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <endian.h>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace
{

constexpr std::uint8_t event_drop = NETEVENT_EVENT_TYPE_PKTMON_DROP;
constexpr std::uint8_t event_flow = NETEVENT_EVENT_TYPE_PKTMON_FLOW;
// Upstream's synthetic event (winbpf/netevent_layout.h, netevent_sim_payload_t).
constexpr std::array<std::uint8_t, 4> source_address{192, 168, 1, 1};
constexpr std::array<std::uint8_t, 4> destination_address{10, 11, 12, 1};
constexpr std::uint16_t source_port = 12345;
constexpr std::uint16_t destination_port = 80;
static_assert(sizeof(netevent_sim_payload_t) <= WINBPF_NETEVENT_SIM_PAYLOAD_MAX);
constexpr const char *hook_name = "netevent_monitor";

volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int)
{
    stop_requested = 1;
}

/// A sim entry to push to: its program (fd held open) and the event type its handler's capture type asks for.
struct Target {
    std::uint32_t id = 0;
    std::string name; ///< "Handler (id N)" for messages.
    winbpf::UniqueFd fd;
    std::uint8_t type = 0;
};

/// Ids of the maps a program uses (entries of one object share at least the shim's scratch map).
std::set<std::uint32_t> map_ids(int fd)
{
    bpf_prog_info info{};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0)
        return {};
    std::vector<__u32> ids(info.nr_map_ids);
    if (ids.empty())
        return {};
    bpf_prog_info again{};
    again.nr_map_ids = static_cast<__u32>(ids.size());
    again.map_ids = reinterpret_cast<std::uintptr_t>(ids.data());
    length = sizeof(again);
    if (bpf_obj_get_info_by_fd(fd, &again, &length) != 0)
        return {};
    ids.resize(std::min<std::size_t>(ids.size(), again.nr_map_ids));
    return {ids.begin(), ids.end()};
}

bool shares_a_map(const std::set<std::uint32_t> &a, const std::set<std::uint32_t> &b)
{
    return std::any_of(a.begin(), a.end(), [&](std::uint32_t id) { return b.contains(id); });
}

/// Every sim entry whose handler has an attached drop or flow entry: FLOW when the flow entry is attached (capture
/// flow or all), DROP when only the drop entry is. Programs that go away meanwhile are skipped.
std::vector<Target> discover()
{
    const std::vector<winbpf::ProgramInfo> programs = winbpf::list_programs();
    std::map<std::uint32_t, std::set<std::uint32_t>> maps; // program id -> map ids, for netevent entries
    for (const winbpf::ProgramInfo &program : programs) {
        if (program.entry.hook != hook_name)
            continue;
        winbpf::UniqueFd fd(bpf_prog_get_fd_by_id(program.id));
        if (fd)
            maps[program.id] = map_ids(fd.get());
    }
    std::vector<Target> targets;
    for (const winbpf::ProgramInfo &sim : programs) {
        if (sim.entry.hook != hook_name || sim.entry.event != "sim" || !maps.contains(sim.id))
            continue;
        bool drop = false;
        bool flow = false;
        for (const winbpf::ProgramInfo &sibling : programs) {
            if (sibling.entry.hook != hook_name || sibling.entry.handler != sim.entry.handler || sibling.links == 0 ||
                !maps.contains(sibling.id) || !shares_a_map(maps[sim.id], maps[sibling.id]))
                continue;
            drop = drop || sibling.entry.event == "drop";
            flow = flow || sibling.entry.event == "flow";
        }
        if (!drop && !flow)
            continue;
        Target target;
        target.id = sim.id;
        target.name = sim.entry.handler + " (id " + std::to_string(sim.id) + ")";
        target.fd.reset(bpf_prog_get_fd_by_id(sim.id));
        target.type = flow ? event_flow : event_drop;
        if (target.fd)
            targets.push_back(std::move(target));
    }
    return targets;
}

/// The sim entry's arguments (winbpf/abi.h) for upstream's payload (netevent_sim_payload_t): the event type, source
/// 192.168.1.1:12345, destination 10.11.12.1:80, the counter; a DROP has upstream's reason SECURITY_POLICY.
std::array<__u64, WINBPF_NETEVENT_SIM_ARGS> sim_args(std::uint8_t type, std::uint32_t counter)
{
    netevent_sim_payload_t payload{};
    payload.event_id = type;
    std::memcpy(payload.source_address, source_address.data(), source_address.size());
    std::memcpy(payload.destination_address, destination_address.data(), destination_address.size());
    payload.source_port = htole16(source_port);
    payload.destination_port = htole16(destination_port);
    payload.event_counter = htole32(counter);
    std::array<std::uint8_t, sizeof(payload)> bytes{};
    std::memcpy(bytes.data(), &payload, sizeof(payload));
    std::array<__u64, WINBPF_NETEVENT_SIM_ARGS> args{};
    args[0] = type;
    args[1] = type == event_drop ? NETEVENT_SIM_DROP_REASON_SECURITY_POLICY : 0;
    args[2] = bytes.size();
    for (std::size_t i = 0; i < bytes.size(); ++i)
        args[3 + i / 8] |= static_cast<__u64>(bytes[i]) << (8 * (i % 8));
    return args;
}

/// Runs target's sim entry once; throws winbpf::Error naming the program.
void push(const Target &target, std::uint32_t counter)
{
    std::array<__u64, WINBPF_NETEVENT_SIM_ARGS> args = sim_args(target.type, counter);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args.data(), .ctx_size_in = sizeof(args));
    if (bpf_prog_test_run_opts(target.fd.get(), &opts) != 0) {
        const int err = errno;
        throw winbpf::Error("running " + target.name + ": " + std::strerror(err), err);
    }
}

/// Sleeps until deadline or a stop request.
void sleep_until(const timespec &deadline)
{
    while (!stop_requested && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
    }
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"netevent_sim: push synthetic netevent_monitor events through the programs attached now"};
    unsigned interval_ms = 1;
    std::uint64_t count = 0;
    app.add_option("--interval-ms", interval_ms, "Milliseconds between events (default 1)");
    app.add_option("--count", count, "Stop after this many events (default: until Ctrl-C)");
    CLI11_PARSE(app, argc, argv);

    struct sigaction action {
    };
    action.sa_handler = request_stop;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    std::uint64_t pushed = 0;
    std::set<std::uint32_t> reached;
    try {
        std::vector<Target> targets = discover();
        if (targets.empty())
            std::cout << "netevent_sim: no netevent_monitor program is attached\n";
        for (const Target &target : targets)
            std::cout << "netevent_sim: " << target.name << ": " << (target.type == event_flow ? "FLOW" : "DROP")
                      << " events\n";
        std::cout.flush();
        auto last_discovery = std::chrono::steady_clock::now();
        timespec deadline{};
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        for (std::uint64_t event = 1; !stop_requested && (count == 0 || event <= count); ++event) {
            // Without --count, follow programs attached or detached since (once a second).
            if (count == 0 && std::chrono::steady_clock::now() - last_discovery > std::chrono::seconds(1)) {
                targets = discover();
                last_discovery = std::chrono::steady_clock::now();
            }
            for (const Target &target : targets) {
                push(target, static_cast<std::uint32_t>(event));
                ++pushed;
                reached.insert(target.id);
            }
            if (count != 0 && event == count)
                break;
            deadline.tv_nsec += static_cast<long>(interval_ms % 1000) * 1000000L;
            deadline.tv_sec += interval_ms / 1000 + deadline.tv_nsec / 1000000000L;
            deadline.tv_nsec %= 1000000000L;
            sleep_until(deadline);
        }
    } catch (const std::exception &e) {
        std::cerr << "netevent_sim: " << e.what() << "\n";
        std::cout << "netevent_sim: pushed " << pushed << " events to " << reached.size() << " programs\n";
        return 1;
    }
    std::cout << "netevent_sim: pushed " << pushed << " events to " << reached.size() << " programs\n";
    return 0;
}
