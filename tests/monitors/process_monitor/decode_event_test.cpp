// SPDX-License-Identifier: MIT
#include "process_monitor.hpp"
#include "record_builder.hpp"

#include <gtest/gtest.h>

namespace winbpf::monitor
{
namespace
{

using test::build_record;
using test::RecordSpec;

std::u16string as_u16(std::span<const std::byte> bytes)
{
    std::u16string text;
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
        text +=
            static_cast<char16_t>(std::to_integer<unsigned>(bytes[i]) | (std::to_integer<unsigned>(bytes[i + 1]) << 8));
    return text;
}

TEST(DecodeEvent, FixedPartLayout)
{
    // bpf/process_monitor.h: 48 bytes, no padding; the SID and the strings follow.
    EXPECT_EQ(offsetof(process_monitor_event, process_id), 16u);
    EXPECT_EQ(offsetof(process_monitor_event, operation), 36u);
    EXPECT_EQ(offsetof(process_monitor_event, token_sid_size), 38u);
    EXPECT_EQ(offsetof(process_monitor_event, command_line_size), 46u);
    EXPECT_EQ(sizeof(process_monitor_event), 48u);
}

TEST(DecodeEvent, DecodesCreateWithStrings)
{
    RecordSpec spec;
    spec.command_line = u"sh -c 'exit 7'";
    const auto bytes = build_record(spec);
    ProcessMonitorEvent record;
    ASSERT_TRUE(decode_process_event(bytes, record).is_ok());
    EXPECT_EQ(record.operation(), Operation::create);
    EXPECT_TRUE(record.has_strings());
    EXPECT_EQ(record.fixed.process_id, 1234u);
    EXPECT_EQ(record.fixed.creation_time, spec.creation_time);
    ASSERT_EQ(record.token_sid.size(), 16u);
    EXPECT_EQ(record.token_sid[7], 22u); // identifier authority 22 (Unix users)
    EXPECT_EQ(record.token_sid[12], 1000 & 0xff);
    EXPECT_EQ(as_u16(record.account_name), u"alice");
    EXPECT_EQ(as_u16(record.account_domain), u"host");
    EXPECT_EQ(as_u16(record.image_path), u"/usr/bin/true");
    EXPECT_EQ(as_u16(record.command_line), u"sh -c 'exit 7'");
}

TEST(DecodeEvent, DecodesDeleteWithoutStrings)
{
    RecordSpec spec;
    spec.operation = Operation::destroy;
    spec.strings = false;
    spec.exit_code = 7;
    const auto bytes = build_record(spec);
    ASSERT_EQ(bytes.size(), sizeof(process_monitor_event) + 16); // fixed part and SID
    ProcessMonitorEvent record;
    ASSERT_TRUE(decode_process_event(bytes, record).is_ok());
    EXPECT_EQ(record.operation(), Operation::destroy);
    EXPECT_FALSE(record.has_strings());
    EXPECT_EQ(record.fixed.process_exit_code, 7u);
    EXPECT_TRUE(record.image_path.empty());
    EXPECT_TRUE(record.command_line.empty());
}

TEST(DecodeEvent, AcceptsAlignmentPadding)
{
    auto bytes = build_record(RecordSpec{});
    bytes.resize(bytes.size() + 7);
    ProcessMonitorEvent record;
    EXPECT_TRUE(decode_process_event(bytes, record).is_ok());
    bytes.push_back(std::byte{0});
    EXPECT_STREQ(decode_process_event(bytes, record).reason(), "size mismatch");
}

TEST(DecodeEvent, RejectsShortRecords)
{
    const auto bytes = build_record(RecordSpec{});
    ProcessMonitorEvent record;
    EXPECT_STREQ(decode_process_event({}, record).reason(), "record too short");
    EXPECT_STREQ(decode_process_event(std::span(bytes).first(sizeof(process_monitor_event) - 1), record).reason(),
                 "record too short");
}

TEST(DecodeEvent, RejectsTruncatedStrings)
{
    const auto bytes = build_record(RecordSpec{});
    ProcessMonitorEvent record;
    for (std::size_t cut = 1; cut <= 8; ++cut)
        EXPECT_STREQ(decode_process_event(std::span(bytes).first(bytes.size() - cut), record).reason(), "size mismatch")
            << cut;
    // Fixed part only, but the flag promises strings.
    EXPECT_STREQ(decode_process_event(std::span(bytes).first(sizeof(process_monitor_event)), record).reason(),
                 "size mismatch");
}

TEST(DecodeEvent, RejectsATruncatedSid)
{
    RecordSpec spec;
    spec.operation = Operation::destroy;
    spec.strings = false;
    const auto bytes = build_record(spec);
    ProcessMonitorEvent record;
    for (std::size_t cut = 1; cut <= 16; ++cut)
        EXPECT_STREQ(decode_process_event(std::span(bytes).first(bytes.size() - cut), record).reason(), "size mismatch")
            << cut;
}

TEST(DecodeEvent, DeleteTimestampIsTheExitTime)
{
    RecordSpec spec;
    spec.operation = Operation::destroy;
    spec.exit_time = 134397726711234567ULL;
    ProcessMonitorEvent record;
    ASSERT_TRUE(decode_process_event(build_record(spec), record).is_ok());
    EXPECT_EQ(record.exit_time(), spec.exit_time);
}

TEST(DecodeEvent, RejectsStringSizesBeyondTheRecord)
{
    auto bytes = build_record(RecordSpec{});
    process_monitor_event fixed;
    std::memcpy(&fixed, bytes.data(), sizeof(fixed));
    fixed.command_line_size = 0xFFFE;
    std::memcpy(bytes.data(), &fixed, sizeof(fixed));
    ProcessMonitorEvent record;
    EXPECT_STREQ(decode_process_event(bytes, record).reason(), "size mismatch");
}

TEST(DecodeEvent, RejectsTrailingBytesWithoutStrings)
{
    RecordSpec spec;
    spec.strings = false;
    auto bytes = build_record(spec);
    bytes.resize(bytes.size() + 64);
    ProcessMonitorEvent record;
    EXPECT_STREQ(decode_process_event(bytes, record).reason(), "size mismatch");
}

TEST(DecodeEvent, RejectsBadFields)
{
    ProcessMonitorEvent record;
    auto bytes = build_record(RecordSpec{});
    process_monitor_event fixed;

    std::memcpy(&fixed, bytes.data(), sizeof(fixed));
    fixed.operation = 2;
    auto bad = bytes;
    std::memcpy(bad.data(), &fixed, sizeof(fixed));
    EXPECT_STREQ(decode_process_event(bad, record).reason(), "unknown operation");

    std::memcpy(&fixed, bytes.data(), sizeof(fixed));
    fixed.token_sid_size = 69;
    bad = bytes;
    std::memcpy(bad.data(), &fixed, sizeof(fixed));
    EXPECT_STREQ(decode_process_event(bad, record).reason(), "token_sid_size too large");

    std::memcpy(&fixed, bytes.data(), sizeof(fixed));
    fixed.account_name_size = 9; // odd; the record still adds up
    fixed.account_domain_size = 7;
    bad = bytes;
    std::memcpy(bad.data(), &fixed, sizeof(fixed));
    EXPECT_STREQ(decode_process_event(bad, record).reason(), "odd UTF-16 string size");
}

} // namespace
} // namespace winbpf::monitor
