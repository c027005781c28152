// SPDX-License-Identifier: MIT
// decode_bind_event and append_bind_address: fields, addresses, app id and malformed records.
#include "bind_monitor.hpp"
#include "bind_monitor_record_builder.hpp"

#include <gtest/gtest.h>

#include <string>

namespace winbpf::monitor
{
namespace
{

using test::BindRecordSpec;
using test::build_bind_record;
using test::fixed_part;

std::string address_text(const BindMonitorEvent &event)
{
    std::string text;
    append_bind_address(event, text);
    return text;
}

TEST(DecodeBindEvent, Ipv4Fields)
{
    BindRecordSpec spec;
    spec.operation = BindOperation::post_bind;
    spec.port = 54321;
    spec.protocol = 17;
    spec.bind_count = 3;
    const auto record = build_bind_record(spec);
    BindMonitorEvent event;
    ASSERT_TRUE(decode_bind_event(record, event).is_ok());
    EXPECT_EQ(event.operation(), BindOperation::post_bind);
    EXPECT_EQ(event.action(), BindAction::permit);
    EXPECT_EQ(event.family(), 4u);
    EXPECT_EQ(event.port(), 54321);
    EXPECT_EQ(event.fixed.protocol, 17);
    EXPECT_EQ(event.fixed.process_id, 4321u);
    EXPECT_EQ(event.fixed.bind_count, 3u);
    EXPECT_EQ(address_text(event), "127.0.0.1");
}

TEST(DecodeBindEvent, Ipv6Addresses)
{
    BindRecordSpec spec;
    spec.family = 6;
    spec.address = {};
    spec.address[15] = 1;
    spec.port = 443;
    BindMonitorEvent event;
    auto record = build_bind_record(spec);
    ASSERT_TRUE(decode_bind_event(record, event).is_ok());
    EXPECT_EQ(event.family(), 6u);
    EXPECT_EQ(event.port(), 443);
    EXPECT_EQ(address_text(event), "::1");

    spec.address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xca, 0xfe, 0, 0x42};
    record = build_bind_record(spec);
    ASSERT_TRUE(decode_bind_event(record, event).is_ok());
    EXPECT_EQ(address_text(event), "2001:db8::cafe:42");
}

TEST(DecodeBindEvent, PortsInNetworkOrder)
{
    for (std::uint16_t port : {0, 1, 80, 256, 8080, 65535}) {
        BindRecordSpec spec;
        spec.port = port;
        const auto record = build_bind_record(spec);
        BindMonitorEvent event;
        ASSERT_TRUE(decode_bind_event(record, event).is_ok());
        EXPECT_EQ(event.port(), port);
    }
}

TEST(DecodeBindEvent, AppIdWithoutItsNul)
{
    BindRecordSpec spec;
    spec.app_id = u"nc";
    auto record = build_bind_record(spec);
    BindMonitorEvent event;
    ASSERT_TRUE(decode_bind_event(record, event).is_ok());
    EXPECT_EQ(event.app_id.size(), 4u);

    spec.nul = false; // cut by the BPF side: no NUL to drop
    record = build_bind_record(spec);
    ASSERT_TRUE(decode_bind_event(record, event).is_ok());
    EXPECT_EQ(event.app_id.size(), 4u);

    spec.app_id.clear();
    spec.nul = true;
    record = build_bind_record(spec);
    ASSERT_TRUE(decode_bind_event(record, event).is_ok());
    EXPECT_TRUE(event.app_id.empty());
}

TEST(DecodeBindEvent, AcceptsAlignmentPadding)
{
    BindRecordSpec spec;
    spec.padding = 7;
    BindMonitorEvent event;
    EXPECT_TRUE(decode_bind_event(build_bind_record(spec), event).is_ok());
    spec.padding = 8;
    EXPECT_STREQ(decode_bind_event(build_bind_record(spec), event).reason(), "size mismatch");
}

TEST(DecodeBindEvent, LongestAppId)
{
    BindRecordSpec spec;
    spec.app_id = std::u16string(BIND_MONITOR_APP_ID_MAX / 2 - 1, u'a');
    BindMonitorEvent event;
    ASSERT_TRUE(decode_bind_event(build_bind_record(spec), event).is_ok());
    EXPECT_EQ(event.app_id.size(), BIND_MONITOR_APP_ID_MAX - 2u);
}

/// The reason a record is malformed ("" when it decodes).
std::string reason_of(const std::vector<std::byte> &record)
{
    BindMonitorEvent event;
    const RecordStatus status = decode_bind_event(record, event);
    return status.is_ok() ? "" : status.reason();
}

TEST(DecodeBindEvent, MalformedRecords)
{
    const auto good = build_bind_record({});
    EXPECT_EQ(reason_of({}), "record too short");
    EXPECT_EQ(reason_of({good.begin(), good.begin() + sizeof(bind_monitor_event) - 1}), "record too short");

    auto record = good;
    fixed_part(record).app_id_size = BIND_MONITOR_APP_ID_MAX + 2;
    EXPECT_EQ(reason_of(record), "app_id_size too large");

    record = good;
    fixed_part(record).app_id_size += 8; // more than the record holds
    EXPECT_EQ(reason_of(record), "size mismatch");

    record = good;
    fixed_part(record).app_id_size -= 1;
    EXPECT_EQ(reason_of(record), "odd app_id_size");

    record = good;
    fixed_part(record).operation = 3;
    EXPECT_EQ(reason_of(record), "unknown operation");

    record = good;
    fixed_part(record).action = 3;
    EXPECT_EQ(reason_of(record), "unknown action");

    record = good;
    fixed_part(record).socket_address[0] = 10; // Linux's AF_INET6, not Windows'
    EXPECT_EQ(reason_of(record), "unknown address family");

    record = good;
    fixed_part(record).socket_address_length = 28; // AF_INET with an IPv6 length
    EXPECT_EQ(reason_of(record), "unknown address family");
}

} // namespace
} // namespace winbpf::monitor
