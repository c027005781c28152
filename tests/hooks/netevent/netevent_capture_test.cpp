// SPDX-License-Identifier: MIT
// Capture types: each program gets the kinds of events its capture type asks for, from a real drop and a real TCP
// flow on loopback each time.
#include "netevent_fixture.hpp"

#include <algorithm>
#include <utility>

namespace netevent_test
{
namespace
{

using namespace std::chrono_literals;

/// Whether a recorder saw a real drop and a real flow generated now.
struct Seen {
    bool drop = false;
    bool flow = false;
};

/// Sends a UDP datagram to a closed port and runs a TCP connection, then looks for both events in each recorder:
/// up to 2 s for the kinds it should see (expected), a short drain for the others.
std::vector<Seen> generate_and_watch(const std::vector<std::pair<Recorder *, Seen>> &recorders)
{
    const UdpDrop drop = send_udp_to_closed_port();
    const TcpFlow flow = run_tcp_flow();
    auto is_drop = [&](const Event &e) { return is_drop_of(e, drop); };
    auto is_flow = [&](const Event &e) { return is_client_port_flow_of(e, flow); };
    std::vector<Seen> seen;
    for (const auto &[recorder, expected] : recorders) {
        if (expected.drop)
            recorder->wait_for(is_drop, 2s);
        if (expected.flow)
            recorder->wait_for(is_flow, 2s);
        const std::vector<Event> &events = recorder->drain(100ms);
        seen.push_back(
            {std::any_of(events.begin(), events.end(), is_drop), std::any_of(events.begin(), events.end(), is_flow)});
    }
    return seen;
}

bool only_type(const std::vector<Event> &events, std::uint8_t type)
{
    return std::all_of(events.begin(), events.end(), [&](const Event &e) { return e.type() == type; });
}

class CaptureTest : public NeteventTest
{
};

TEST_F(CaptureTest, DropDeliversOnlyDropEvents)
{
    Recorder recorder("drop");
    const Seen seen = generate_and_watch({{&recorder, {.drop = true}}})[0];
    EXPECT_TRUE(seen.drop) << "capture=drop: the UDP drop did not arrive";
    EXPECT_FALSE(seen.flow) << "capture=drop: a FLOW event arrived";
    EXPECT_TRUE(only_type(recorder.drain(), event_drop)) << "capture=drop delivered an event that is not type 100";
}

TEST_F(CaptureTest, FlowDeliversOnlyFlowEvents)
{
    Recorder recorder("flow");
    const Seen seen = generate_and_watch({{&recorder, {.flow = true}}})[0];
    EXPECT_TRUE(seen.flow) << "capture=flow: the TCP flow did not arrive";
    EXPECT_FALSE(seen.drop) << "capture=flow: the UDP drop arrived";
    EXPECT_TRUE(only_type(recorder.drain(), event_flow)) << "capture=flow delivered an event that is not type 101";
}

TEST_F(CaptureTest, AllDeliversBoth)
{
    Recorder recorder("all");
    const Seen seen = generate_and_watch({{&recorder, {.drop = true, .flow = true}}})[0];
    EXPECT_TRUE(seen.drop) << "capture=all: the UDP drop did not arrive";
    EXPECT_TRUE(seen.flow) << "capture=all: the TCP flow did not arrive";
    for (const Event &event : recorder.drain())
        EXPECT_TRUE(event.type() == event_drop || event.type() == event_flow) << int(event.type());
}

TEST_F(CaptureTest, NoneDeliversNothing)
{
    Recorder recorder("none");
    const Seen seen = generate_and_watch({{&recorder, {}}})[0];
    EXPECT_FALSE(seen.drop);
    EXPECT_FALSE(seen.flow);
    EXPECT_TRUE(recorder.drain().empty()) << "capture=none delivered " << recorder.events().size() << " events";
}

TEST_F(CaptureTest, DefaultIsDrop)
{
    Recorder recorder("");
    const Seen seen = generate_and_watch({{&recorder, {.drop = true}}})[0];
    EXPECT_TRUE(seen.drop);
    EXPECT_FALSE(seen.flow);
    EXPECT_TRUE(only_type(recorder.drain(), event_drop));
}

TEST_F(CaptureTest, ProgramsKeepTheirOwnCaptureType)
{
    Recorder drops("drop");
    Recorder flows("flow");
    Recorder both("all");
    const std::vector<Seen> seen =
        generate_and_watch({{&drops, {.drop = true}}, {&flows, {.flow = true}}, {&both, {.drop = true, .flow = true}}});
    EXPECT_TRUE(seen[0].drop);
    EXPECT_FALSE(seen[0].flow) << "the drop program got a FLOW event: capture types are not per program";
    EXPECT_FALSE(seen[1].drop) << "the flow program got a DROP event: capture types are not per program";
    EXPECT_TRUE(seen[1].flow);
    EXPECT_TRUE(seen[2].drop);
    EXPECT_TRUE(seen[2].flow);
    EXPECT_TRUE(only_type(drops.drain(), event_drop));
    EXPECT_TRUE(only_type(flows.drain(), event_flow));
}

TEST_F(CaptureTest, UnknownCaptureTypeIsRejected)
{
    EXPECT_THROW(Recorder("sometimes"), std::exception);
}

} // namespace
} // namespace netevent_test
