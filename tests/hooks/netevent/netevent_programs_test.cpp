// SPDX-License-Identifier: MIT
// Other program styles: the older spelling (event_data_start, event_data_end) and output through a Windows-style
// perf event array (max_entries in bytes) read back with the loader's PerfEventConsumer. Both built by CMake
// (Makefile.bpf).
#include "netevent_fixture.hpp"

#include "support/child.hpp"
#include "support/perf_reader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netinet/ip.h>

#include <algorithm>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace netevent_test
{
namespace
{

using namespace std::chrono_literals;
using winbpf::test::run;

class ProgramsTest : public NeteventTest
{
};

TEST_F(ProgramsTest, OlderSpellingGetsWholeEvent)
{
    Recorder recorder("all", "netevent_legacy");
    const UdpDrop drop = send_udp_to_closed_port();
    const TcpFlow flow = run_tcp_flow();
    ASSERT_TRUE(recorder.wait_for([&](const Event &e) { return is_drop_of(e, drop); }));
    ASSERT_TRUE(recorder.wait_for([&](const Event &e) { return is_client_port_flow_of(e, flow); }));
    for (const Event &e : recorder.events()) {
        if (!is_drop_of(e, drop))
            continue;
        // event_data_start .. event_data_end: both headers and the whole packet.
        EXPECT_EQ(e.bytes.size(), headers_size + sizeof(iphdr) + 8 + drop.data.size());
        EXPECT_EQ(e.pktmon().PacketLoggedLength, e.bytes.size() - headers_size);
        EXPECT_EQ(e.version(), 1);
    }
}

/// Reads real and simulated DROP events back through object's perf event array (attached with capture=drop).
void expect_perf_events(const winbpf::Object &object)
{
    winbpf::Attachment attachment(object, winbpf::AttachOptions{.capture = winbpf::CaptureType::drop});
    bpf_map *map = object.map("netevent_perf_events");
    EXPECT_EQ(bpf_map__type(map), BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    winbpf::test::PerfReader reader(map);
    std::vector<Event> events; // reader's samples, decoded
    const auto wait_for = [&](const std::function<bool(const Event &)> &found) {
        std::size_t checked = 0;
        return reader.poll_until(
            [&] {
                while (events.size() < reader.samples().size())
                    events.push_back(decode_buffer(std::as_bytes(std::span(reader.samples()[events.size()]))));
                for (; checked < events.size(); ++checked)
                    if (found(events[checked]))
                        return true;
                return false;
            },
            3s);
    };

    const UdpDrop drop = send_udp_to_closed_port();
    ASSERT_TRUE(wait_for([&](const Event &e) { return is_drop_of(e, drop); }))
        << "the real drop did not come through the perf event array";

    const auto result = run({NETEVENT_SIM_PATH, "--count", "3"}, 10s);
    ASSERT_EQ(result.exit_code(), 0) << result.out << result.err;
    std::size_t simulated = 0;
    wait_for([&](const Event &e) {
        const std::vector<std::uint8_t> payload = e.payload();
        return payload.size() == 17 && payload[1] == 192 && payload[5] == 10 && ++simulated == 3;
    });
    EXPECT_EQ(simulated, 3u) << "simulated events through the perf event array";
    EXPECT_EQ(reader.lost(), 0u);
    for (const Event &e : events) {
        EXPECT_EQ(e.type(), event_drop);
        EXPECT_EQ(e.version(), 1);
        EXPECT_EQ(e.pktmon().PacketLoggedLength, e.bytes.size() - headers_size);
    }
}

/// Whether object's load reported adapting its perf event array.
bool perf_array_adapted(const winbpf::Object &object)
{
    const std::vector<std::string> &adaptations = object.adaptations();
    return std::any_of(adaptations.begin(), adaptations.end(),
                       [](const std::string &a) { return a.find("netevent_perf_events") != std::string::npos; });
}

// docs/map_adaptations.md: a PERF_EVENT_ARRAY sized in bytes, as eBPF for Windows declares it (type and max_entries
// only), loads as written: the loader gives it one slot per CPU and the CPU-index and perf-event-fd sizes, and reports
// the adaptation; records come back through the loader's PerfEventConsumer.
TEST_F(ProgramsTest, PerfEventArrayDeclaredInBytesLoadsAndReadsBack)
{
    winbpf::Object object = winbpf::Object::open_file(bpf_object_path("netevent_perf"));
    bpf_map *map = bpf_object__find_map_by_name(object.raw(), "netevent_perf_events");
    ASSERT_NE(map, nullptr);
    ASSERT_NO_THROW(object.load());
    EXPECT_TRUE(perf_array_adapted(object)) << "max_entries 4096 (bytes) not adapted to the CPUs";
    EXPECT_EQ(bpf_map__max_entries(map), static_cast<__u32>(libbpf_num_possible_cpus()));
    EXPECT_EQ(bpf_map__key_size(map), 4u);
    EXPECT_EQ(bpf_map__value_size(map), 4u);
    expect_perf_events(object);
}

} // namespace
} // namespace netevent_test
