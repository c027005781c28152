// SPDX-License-Identifier: MIT
// netevent_sim through the built netevent_monitor (issue 26): a monitor of each capture type gets the simulator's
// events, of the type their payload says, and shows each once with the payload's addresses, ports and counter, in JSON
// and in text; a record the monitor cannot decode is shown raw and counted as lost.
#include "netevent_fixture.hpp"

#include "common/recording.hpp"
#include "netevent_record_builder.hpp"

#include "support/child.hpp"
#include "support/monitor_process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace netevent_test
{
namespace
{

using namespace std::chrono_literals;
using winbpf::test::MonitorProcess;

constexpr std::uint32_t sim_count = 50;

/// netevent_monitor with options, started.
MonitorProcess start_monitor(std::vector<std::string> options)
{
    options.insert(options.begin(), NETEVENT_MONITOR_PATH);
    return MonitorProcess(options);
}

/// Reads every monitor in turn (so none blocks on a full pipe while another is read: the drop and flow monitors also
/// print the host's real events) until done(monitor) holds for each, or timeout. True when all are done.
bool read_all_until(std::vector<MonitorProcess *> monitors, const std::function<bool(const MonitorProcess &)> &done,
                    std::chrono::milliseconds timeout = winbpf::test::monitor_event_timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        bool all = true;
        for (MonitorProcess *monitor : monitors)
            all = monitor->read_until([&] { return done(*monitor); }, 50ms) && all;
        if (all)
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
    }
}

/// The JSON lines of the simulator's events (a sim_counter, from 192.168.1.1).
std::vector<nlohmann::json> sim_lines(const MonitorProcess &monitor)
{
    return monitor.json_lines([](const nlohmann::json &line) {
        return line.value("sim_counter", nlohmann::json()).is_number() &&
               line.value("source_address", "") == "192.168.1.1";
    });
}

/// Runs netevent_sim --count sim_count; expects it to succeed and to push DROP events (to a drop capture) and FLOW
/// events (to an all or flow capture).
void run_sim()
{
    const auto sim = winbpf::test::run({NETEVENT_SIM_PATH, "--count", std::to_string(sim_count)}, 30s);
    ASSERT_TRUE(winbpf::test::exited_with(sim.status, 0)) << winbpf::test::describe_status(sim.status) << sim.err;
    EXPECT_NE(sim.out.find(": DROP events\n"), std::string::npos) << sim.out;
    EXPECT_NE(sim.out.find(": FLOW events\n"), std::string::npos) << sim.out;
}

/// 1, 2, ..., sim_count: the counters of one netevent_sim run.
std::vector<std::uint32_t> every_counter()
{
    std::vector<std::uint32_t> every(sim_count);
    for (std::uint32_t i = 0; i < sim_count; ++i)
        every[i] = i + 1;
    return every;
}

class NeteventMonitorSimTest : public NeteventTest
{
};

// capture all and flow get FLOW events, drop gets DROP events (upstream's simulator does the same: its payload's
// first byte and the header's type are 100 for a drop-only capture, 101 otherwise); none gets nothing. Each monitor
// shows counters 1..50 once each, with the payload's endpoints.
TEST_F(NeteventMonitorSimTest, EveryCaptureTypeShowsEverySimulatedEventInJson)
{
    const std::map<std::string, std::string> expected_type{{"all", "flow"}, {"flow", "flow"}, {"drop", "drop"}};
    std::map<std::string, MonitorProcess> monitors;
    for (const char *capture : {"all", "flow", "drop", "none"})
        monitors.emplace(capture, start_monitor({"--json", "--capture", capture}));
    for (auto &[capture, monitor] : monitors)
        ASSERT_TRUE(monitor.wait_ready()) << capture;

    ASSERT_NO_FATAL_FAILURE(run_sim());

    std::vector<MonitorProcess *> receivers;
    for (const auto &[capture, type] : expected_type)
        receivers.push_back(&monitors.at(capture));
    EXPECT_TRUE(read_all_until(receivers, [](const MonitorProcess &m) { return sim_lines(m).size() >= sim_count; }));

    for (const auto &[capture, type] : expected_type) {
        const MonitorProcess &monitor = monitors.at(capture);
        const std::vector<nlohmann::json> lines = sim_lines(monitor);
        std::vector<std::uint32_t> counters;
        for (const nlohmann::json &line : lines) {
            counters.push_back(line["sim_counter"].get<std::uint32_t>());
            EXPECT_EQ(line["type"], type) << capture << ": " << line;
            EXPECT_EQ(line["family"], 4) << line;
            EXPECT_EQ(line["source_port"], 12345) << line;
            EXPECT_EQ(line["destination_address"], "10.11.12.1") << line;
            EXPECT_EQ(line["destination_port"], 80) << line;
            EXPECT_EQ(line["packet_length"], 17) << line;
            EXPECT_EQ(line["captured_length"], 17) << line;
            EXPECT_EQ(line["reason"], type == "drop" ? nlohmann::json("SECURITY_POLICY") : nlohmann::json()) << line;
            EXPECT_EQ(line["reason_code"], type == "drop" ? nlohmann::json(2) : nlohmann::json()) << line;
            EXPECT_TRUE(line["old_state"].is_null() && line["process_id"].is_null()) << line;
        }
        std::sort(counters.begin(), counters.end());
        EXPECT_EQ(counters, every_counter()) << capture << " (each counter once):\n" << monitor.out();
    }
    for (const auto &[capture, type] : expected_type)
        monitors.at(capture).expect_clean_stop();

    MonitorProcess &none = monitors.at("none");
    const auto status = none.stop();
    EXPECT_TRUE(winbpf::test::exited_with(status, 0)) << winbpf::test::describe_status(status) << none.err();
    EXPECT_EQ(none.out(), "");
    EXPECT_NE(none.err().find("netevent_monitor: received 0, lost 0\n"), std::string::npos) << none.err();
}

// The human lines of simulated DROP and FLOW events: reason named by the simulator's enum, the counter, endpoints.
TEST_F(NeteventMonitorSimTest, SimulatedEventsInTextLines)
{
    MonitorProcess drops = start_monitor({"--capture", "drop"});
    MonitorProcess flows = start_monitor({"--capture", "flow"});
    ASSERT_TRUE(drops.wait_ready());
    ASSERT_TRUE(flows.wait_ready());

    ASSERT_NO_FATAL_FAILURE(run_sim());

    const auto counters = [](const MonitorProcess &monitor, const std::string &start) {
        const std::regex line("(^|\n)" + start +
                              "Simulated:([0-9]+), Protocol:\\?, 192\\.168\\.1\\.1:12345 -> 10\\.11\\.12\\.1:80, ");
        std::vector<std::uint32_t> found;
        const std::string &out = monitor.out();
        for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator(); ++it)
            found.push_back(static_cast<std::uint32_t>(std::stoul((*it)[2])));
        std::sort(found.begin(), found.end());
        return found;
    };
    const std::string drop_start = "Drop: Reason:SECURITY_POLICY\\(2\\), ";
    const std::string flow_start = "Flow: ";
    EXPECT_TRUE(read_all_until({&drops, &flows}, [&](const MonitorProcess &m) {
        return counters(m, &m == &drops ? drop_start : flow_start).size() >= sim_count;
    }));
    EXPECT_EQ(counters(drops, drop_start), every_counter()) << drops.out();
    EXPECT_EQ(counters(flows, flow_start), every_counter()) << flows.out();
    EXPECT_NE(drops.out().find(", IfIndex:0, Length:17, Captured:17, Time:"), std::string::npos) << drops.out();
    drops.expect_clean_stop();
    flows.expect_clean_stop();
}

// A FLOW record whose payload is shorter than winbpf's flow record (and is not the simulator's) is shown as its raw
// bytes, in JSON and text, and counted as malformed; the records around it show as usual. Through --replay of a
// recording written here (the BPF side only writes what the hook gives, so no live session makes one).
TEST(NeteventMonitorMalformed, ShortFlowRecordIsShownRawAndCounted)
{
    using namespace winbpf::monitor;
    using namespace winbpf::monitor::test;
    const winbpf::test::TempDir dir;
    const std::string path = (dir.path() / "short-flow.rec").string();

    NeteventRecordSpec flow;
    flow.type = NeteventType::flow;
    flow.payload = Bytes(sizeof(netevent_flow_t) - 4, std::byte{0x04});
    const Bytes short_flow = build_netevent_record(flow);
    {
        RecordingWriter writer(path, "netevent_monitor", 0);
        writer.append(build_netevent_record(sim_record_spec(NeteventType::flow, 1)));
        writer.append(short_flow);
        writer.append(build_netevent_record(sim_record_spec(NeteventType::flow, 2)));
        writer.flush();
    }
    std::string record_hex;
    append_hex(short_flow, record_hex);
    const std::string loss = "netevent_monitor: lost 1 events (total 1): malformed record (flow record too short)\n";
    const std::string summary = "netevent_monitor: replayed 3 records, lost 1\n";

    const auto json = winbpf::test::run({NETEVENT_MONITOR_PATH, "--json", "--replay", path}, 30s);
    ASSERT_TRUE(winbpf::test::exited_with(json.status, 0)) << winbpf::test::describe_status(json.status) << json.err;
    const std::vector<nlohmann::json> lines = winbpf::test::json_lines(json.out);
    // The three records, then the consumer's loss in band (a --json stream carries every loss as a loss record).
    ASSERT_EQ(lines.size(), 4u) << json.out;
    EXPECT_EQ(lines[0]["sim_counter"], 1);
    EXPECT_EQ(lines[1], nlohmann::json({{"type", "malformed"},
                                        {"error", "flow record too short"},
                                        {"record_length", short_flow.size()},
                                        {"record", record_hex}}));
    EXPECT_EQ(lines[2]["sim_counter"], 2);
    EXPECT_EQ(lines[3]["type"], "loss") << lines[3];
    EXPECT_EQ(lines[3]["stage"], "consumer") << lines[3];
    EXPECT_EQ(lines[3]["count"], 1) << lines[3];
    EXPECT_NE(json.err.find(loss), std::string::npos) << json.err;
    EXPECT_NE(json.err.find(summary), std::string::npos) << json.err;

    const auto text = winbpf::test::run({NETEVENT_MONITOR_PATH, "--replay", path}, 30s);
    ASSERT_TRUE(winbpf::test::exited_with(text.status, 0)) << winbpf::test::describe_status(text.status) << text.err;
    EXPECT_NE(text.out.find("\nMalformed: Error:flow record too short, Length:" + std::to_string(short_flow.size()) +
                            ", Record:" + record_hex + "\nFlow: Simulated:2, "),
              std::string::npos)
        << text.out;
    EXPECT_NE(text.err.find(loss), std::string::npos) << text.err;
    EXPECT_NE(text.err.find(summary), std::string::npos) << text.err;
}

} // namespace
} // namespace netevent_test
