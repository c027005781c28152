// SPDX-License-Identifier: MIT
// ConnectionMonitorFormatter: a close's duration comes from its flow's start record (the BPF side keeps no start
// times), from a recording's own duration where it has one, and is 0 for a flow whose start was not seen.
#include "connection_monitor.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace winbpf::monitor
{
namespace
{

constexpr std::int64_t realtime_minus_boottime = 1'700'000'000'000'000'000 - 5'000'000'000;

std::vector<std::byte> record(std::uint8_t type, std::uint64_t flow_id, std::uint64_t timestamp_ns,
                              std::uint64_t duration_ns = 0)
{
    connection_monitor_event event{};
    event.timestamp_ns = timestamp_ns;
    event.process_id = 1;
    event.flow_id = flow_id;
    event.duration_ns = duration_ns;
    const std::uint32_t loopback = htonl(INADDR_LOOPBACK);
    std::memcpy(event.local_address, &loopback, 4);
    std::memcpy(event.remote_address, &loopback, 4);
    event.local_port = 40000;
    event.remote_port = 8080;
    event.type = type;
    event.family = 4;
    event.protocol = 6;
    std::vector<std::byte> bytes(sizeof(event));
    std::memcpy(bytes.data(), &event, sizeof(event));
    return bytes;
}

nlohmann::json format_json(ConnectionMonitorFormatter &formatter, const std::vector<std::byte> &bytes)
{
    std::string out;
    EXPECT_TRUE(formatter.format(bytes, out).is_ok());
    return nlohmann::json::parse(out);
}

TEST(ConnectionMonitorFormatter, CloseDurationFromTheFlowsStartRecord)
{
    ConnectionMonitorFormatter formatter(OutputFormat::json, realtime_minus_boottime);
    const std::uint64_t t0 = 10'000'000'000;
    EXPECT_FALSE(format_json(formatter, record(CONNECTION_MONITOR_CONNECT, 7, t0)).contains("duration_us"));
    EXPECT_FALSE(format_json(formatter, record(CONNECTION_MONITOR_ACCEPT, 8, t0 + 1'000)).contains("duration_us"));
    // Ends in the other order, each with its own start.
    EXPECT_EQ(format_json(formatter, record(CONNECTION_MONITOR_CLOSE, 8, t0 + 3'001'000)).at("duration_us"), 3000);
    EXPECT_EQ(format_json(formatter, record(CONNECTION_MONITOR_CLOSE, 7, t0 + 5'000'999)).at("duration_us"), 5000);
    // A second close of a flow, and the close of a flow whose start was not seen: no duration known.
    EXPECT_EQ(format_json(formatter, record(CONNECTION_MONITOR_CLOSE, 7, t0 + 6'000'000)).at("duration_us"), 0);
    EXPECT_EQ(format_json(formatter, record(CONNECTION_MONITOR_CLOSE, 9, t0 + 6'000'000)).at("duration_us"), 0);
}

TEST(ConnectionMonitorFormatter, RecordedDurationIsKept)
{
    // Recordings of earlier versions carry the duration in the close record.
    ConnectionMonitorFormatter formatter(OutputFormat::json, realtime_minus_boottime);
    EXPECT_EQ(format_json(formatter, record(CONNECTION_MONITOR_CLOSE, 3, 20'000'000'000, 7'000'000)).at("duration_us"),
              7000);
    format_json(formatter, record(CONNECTION_MONITOR_CONNECT, 4, 20'000'000'000));
    EXPECT_EQ(format_json(formatter, record(CONNECTION_MONITOR_CLOSE, 4, 20'002'000'000, 9'000'000)).at("duration_us"),
              9000);
}

TEST(ConnectionMonitorFormatter, HumanCloseLineHasTheDuration)
{
    ConnectionMonitorFormatter formatter(OutputFormat::human, realtime_minus_boottime);
    std::string out;
    ASSERT_TRUE(formatter.format(record(CONNECTION_MONITOR_CONNECT, 5, 1'000'000'000), out).is_ok());
    out.clear();
    ASSERT_TRUE(formatter.format(record(CONNECTION_MONITOR_CLOSE, 5, 1'000'412'000), out).is_ok());
    EXPECT_NE(out.find(", FlowId:5, Duration:412us, Time:"), std::string::npos) << out;
}

TEST(FlowStarts, ForgetsEverythingWhenFull)
{
    FlowStarts starts;
    for (std::uint64_t id = 1; id <= FlowStarts::max_open; ++id)
        starts.start(id, 100);
    EXPECT_EQ(starts.end(FlowStarts::max_open, 150), 50u); // all held
    starts.start(FlowStarts::max_open, 100);
    starts.start(FlowStarts::max_open + 1, 200); // full: the others go
    EXPECT_EQ(starts.end(1, 300), 0u);
    EXPECT_EQ(starts.end(FlowStarts::max_open + 1, 300), 100u);
}

} // namespace
} // namespace winbpf::monitor
