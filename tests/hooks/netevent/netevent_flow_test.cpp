// SPDX-License-Identifier: MIT
// Real flows: a TCP connect, transfer and close on loopback gives the client socket's state changes as FLOW events.
#include "netevent_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

namespace netevent_test
{
namespace
{

using namespace std::chrono_literals;

// Kernel TCP states (include/net/tcp_states.h).
enum TcpState : std::uint8_t {
    ESTABLISHED = 1,
    SYN_SENT = 2,
    FIN_WAIT1 = 4,
    FIN_WAIT2 = 5,
    CLOSE = 7,
};

std::string describe(const std::vector<Flow> &flows)
{
    std::ostringstream text;
    for (const Flow &flow : flows)
        text << int(flow.old_state) << "->" << int(flow.new_state) << " (port " << ntohs(flow.source_port) << ", pid "
             << flow.process_id << ") ";
    return text.str();
}

class FlowTest : public NeteventTest
{
};

TEST_F(FlowTest, ClientStateSequence)
{
    Recorder recorder("flow");
    const TcpFlow flow = run_tcp_flow();
    ASSERT_TRUE(recorder.wait_for([&](const Event &e) { return is_client_port_flow_of(e, flow); }))
        << "no FLOW event of the client socket (local port " << flow.client_port << ")";
    // The last change: the server's FIN ends FIN_WAIT2 (the kernel reports FIN_WAIT2 -> CLOSE, handing the
    // connection to a TIME_WAIT socket that has no state changes of its own).
    recorder.wait_for([&](const Event &) {
        const std::vector<Event> mine = client_flows(recorder.events(), flow);
        return !mine.empty() && mine.back().flow()->old_state == FIN_WAIT2;
    });
    recorder.drain(100ms);
    std::vector<Flow> flows;
    std::vector<PktmonHeader> headers;
    for (const Event &e : client_flows(recorder.events(), flow)) {
        flows.push_back(*e.flow());
        headers.push_back(e.pktmon());
    }
    // Matched by socket cookie: the first and last change have no local port yet / any more.
    const std::vector<std::pair<std::uint8_t, std::uint8_t>> expected{{CLOSE, SYN_SENT},
                                                                      {SYN_SENT, ESTABLISHED},
                                                                      {ESTABLISHED, FIN_WAIT1},
                                                                      {FIN_WAIT1, FIN_WAIT2},
                                                                      {FIN_WAIT2, CLOSE}};
    ASSERT_EQ(flows.size(), expected.size()) << describe(flows);
    for (std::size_t i = 0; i < flows.size(); ++i) {
        EXPECT_EQ(flows[i].old_state, expected[i].first) << "transition " << i << ": " << describe(flows);
        EXPECT_EQ(flows[i].new_state, expected[i].second) << "transition " << i << ": " << describe(flows);
        EXPECT_EQ(flows[i].protocol, IPPROTO_TCP);
        std::uint32_t source, destination;
        std::memcpy(&source, flows[i].source_address, 4);
        std::memcpy(&destination, flows[i].destination_address, 4);
        EXPECT_EQ(source, htonl(INADDR_LOOPBACK));
        EXPECT_EQ(destination, htonl(INADDR_LOOPBACK));
        EXPECT_EQ(ntohs(flows[i].destination_port), flow.server_port);
        EXPECT_EQ(headers[i].EventId, event_flow);
        EXPECT_EQ(headers[i].PacketOriginalLength, sizeof(Flow));
        EXPECT_EQ(headers[i].PacketLoggedLength, sizeof(Flow));
        EXPECT_EQ(headers[i].DropReason, 0u);
        EXPECT_EQ(headers[i].PktGroupId, headers[0].PktGroupId) << "one socket cookie per connection";
    }
    // connect() and close() run in the test process, holding the socket.
    const auto pid = static_cast<std::uint32_t>(getpid());
    EXPECT_EQ(flows[0].process_id, pid) << "connect -> SYN_SENT: " << describe(flows);
    EXPECT_EQ(flows[2].process_id, pid) << "close -> FIN_WAIT1: " << describe(flows);
    EXPECT_NE(headers[0].PktGroupId, 0u);
    // What the kernel really does: tcp_v4_connect sets SYN_SENT before it picks the local port, and the socket gives
    // its port to the TIME_WAIT socket before FIN_WAIT2 -> CLOSE; the changes in between carry the port.
    EXPECT_EQ(flows[0].source_port, 0) << describe(flows);
    for (std::size_t i = 1; i + 1 < flows.size(); ++i)
        EXPECT_EQ(ntohs(flows[i].source_port), flow.client_port) << describe(flows);
}

} // namespace
} // namespace netevent_test
