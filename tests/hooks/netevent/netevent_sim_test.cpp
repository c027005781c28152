// SPDX-License-Identifier: MIT
// netevent_sim: synthetic events through the attached programs, byte for byte as upstream's driver builds them.
#include "netevent_fixture.hpp"

#include "support/child.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>

namespace netevent_test
{
namespace
{

using namespace std::chrono_literals;
using winbpf::test::run;

/// Upstream's 17-byte payload: event id, 192.168.1.1, 10.11.12.1, ports 12345 and 80, counter (little-endian).
std::vector<std::uint8_t> sim_payload(std::uint8_t type, std::uint32_t counter)
{
    return {type,
            192,
            168,
            1,
            1,
            10,
            11,
            12,
            1,
            0x39,
            0x30,
            80,
            0,
            static_cast<std::uint8_t>(counter),
            static_cast<std::uint8_t>(counter >> 8),
            static_cast<std::uint8_t>(counter >> 16),
            static_cast<std::uint8_t>(counter >> 24)};
}

/// A simulated event: 17-byte payload from 192.168.1.1 to 10.11.12.1.
bool is_sim(const Event &e)
{
    const std::vector<std::uint8_t> payload = e.payload();
    return payload.size() == 17 && payload[0] == e.type() &&
           std::equal(payload.begin() + 1, payload.begin() + 13, sim_payload(e.type(), 0).begin() + 1);
}

std::vector<Event> sim_events(Recorder &recorder, std::size_t count)
{
    std::size_t seen = 0;
    recorder.wait_for([&](const Event &e) { return is_sim(e) && ++seen == count; });
    std::vector<Event> events;
    for (const Event &e : recorder.drain(50ms))
        if (is_sim(e))
            events.push_back(e);
    return events;
}

class SimTest : public NeteventTest
{
};

TEST_F(SimTest, PushesUpstreamEventsByCaptureType)
{
    Recorder drops("drop");
    Recorder flows("flow");
    Recorder none("none");
    const auto result = run({NETEVENT_SIM_PATH, "--count", "5", "--interval-ms", "1"}, 10s);
    ASSERT_EQ(result.exit_code(), 0) << result.out << result.err;
    EXPECT_NE(result.out.find("(id " + std::to_string(drops.sim_id()) + "): DROP events"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("(id " + std::to_string(flows.sim_id()) + "): FLOW events"), std::string::npos)
        << result.out;
    EXPECT_EQ(result.out.find("(id " + std::to_string(none.sim_id()) + ")"), std::string::npos)
        << "capture=none must be skipped: " << result.out;
    EXPECT_NE(result.out.find("pushed "), std::string::npos) << result.out;

    for (auto [recorder, type] : {std::pair{&drops, event_drop}, std::pair{&flows, event_flow}}) {
        const std::vector<Event> events = sim_events(*recorder, 5);
        ASSERT_EQ(events.size(), 5u) << "type " << int(type);
        for (std::uint32_t i = 0; i < events.size(); ++i) {
            const Event &e = events[i];
            EXPECT_EQ(e.payload(), sim_payload(type, i + 1)) << "event " << i << " of type " << int(type);
            EXPECT_EQ(e.type(), type);
            EXPECT_EQ(e.version(), 1);
            EXPECT_EQ(e.header_size, headers_size);
            EXPECT_EQ(e.payload_size, 17u);
            const PktmonHeader header = e.pktmon();
            EXPECT_EQ(header.EventId, type);
            EXPECT_EQ(header.PacketLoggedLength, 17u);
            EXPECT_EQ(header.PacketOriginalLength, 17u);
            EXPECT_EQ(header.DropReason, type == event_drop ? 2u : 0u) << "DROP_REASON_SECURITY_POLICY on DROP";
        }
    }
    EXPECT_TRUE(none.drain(50ms).empty());
}

TEST_F(SimTest, AllCaptureGetsFlowEvents)
{
    Recorder both("all");
    const auto result = run({NETEVENT_SIM_PATH, "--count", "2"}, 10s);
    ASSERT_EQ(result.exit_code(), 0) << result.out << result.err;
    const std::vector<Event> events = sim_events(both, 2);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].payload(), sim_payload(event_flow, 1));
    EXPECT_EQ(events[1].payload(), sim_payload(event_flow, 2));
}

TEST_F(SimTest, NothingAttachedIsNotAnError)
{
    const auto result = run({NETEVENT_SIM_PATH, "--count", "1"}, 10s);
    EXPECT_EQ(result.exit_code(), 0) << result.out << result.err;
    EXPECT_NE(result.out.find("pushed"), std::string::npos) << result.out;
}

TEST_F(SimTest, StopsOnSigint)
{
    Recorder drops("drop");
    auto child = winbpf::test::Child::spawn({NETEVENT_SIM_PATH, "--interval-ms", "5"}, winbpf::test::Output::capture);
    ASSERT_TRUE(drops.wait_for(is_sim)) << "no simulated event before SIGINT";
    child.signal(SIGINT);
    const auto status = child.wait(5s);
    EXPECT_TRUE(winbpf::test::exited_with(status, 0)) << winbpf::test::describe_status(status) << child.err();
    EXPECT_NE(child.out().find("pushed"), std::string::npos) << child.out();
}

} // namespace
} // namespace netevent_test
