// SPDX-License-Identifier: MIT
// BindMonitorFormatter: human and JSON lines of each operation, action and protocol; hostile app ids; malformed
// records.
#include "bind_monitor.hpp"
#include "bind_monitor_record_builder.hpp"
#include "common/loss_reporter.hpp"
#include "winbpf/utf16.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace winbpf::monitor
{
namespace
{

using test::BindRecordSpec;
using test::build_bind_record;
using test::fixed_part;

// Boot 5 s before 2023-11-14T22:13:20Z (Unix 1700000000): BindRecordSpec's timestamp is 123.456 µs after it.
constexpr std::int64_t realtime_minus_boottime = 1'700'000'000'000'000'000 - 5'000'000'000;
constexpr const char *spec_time = "2023-11-14T22:13:20.000123Z";

// App id with an escape sequence, a C1 CSI, a lone high surrogate (invalid UTF-16), an escaped invalid byte (\xff as
// U+DCFF), a backslash, a quote and a newline.
const std::u16string hostile = u"evil \x1b[2J \u009b \xD800 \xDCFF \\ \" \n x";

std::string format_line(OutputFormat format, const BindRecordSpec &spec)
{
    BindMonitorFormatter formatter(format, realtime_minus_boottime);
    std::string out;
    EXPECT_TRUE(formatter.format(build_bind_record(spec), out).is_ok());
    return out;
}

nlohmann::json json_of(const BindRecordSpec &spec)
{
    const std::string line = format_line(OutputFormat::json, spec);
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    return nlohmann::json::parse(line);
}

TEST(BindMonitorFormatter, JsonLine)
{
    BindRecordSpec spec;
    spec.operation = BindOperation::post_bind;
    spec.port = 33637;
    spec.bind_count = 1;
    EXPECT_EQ(format_line(OutputFormat::json, spec),
              std::string(R"({"type":"post_bind","timestamp":")") + spec_time +
                  R"(","process_id":4321,"app_id":"python3","family":4,"address":"127.0.0.1","port":33637,)"
                  R"("protocol":"tcp","action":"permit","bind_count":1})"
                  "\n");
}

// Issue 23: the address and port as every tool writes them, IPv6 in brackets ("Address:::1" was ambiguous).
TEST(BindMonitorFormatter, HumanLine)
{
    EXPECT_EQ(format_line(OutputFormat::human, {}),
              std::string(R"(Bind: PID:4321, AppId:"python3", Protocol:tcp, Address:127.0.0.1:0, )"
                          R"(Action:permit, BindCount:0, Time:)") +
                  spec_time + "\n");
    BindRecordSpec spec;
    spec.operation = BindOperation::unbind;
    spec.family = 6;
    spec.address = {};
    spec.address[15] = 1;
    spec.port = 8080;
    spec.protocol = 17;
    EXPECT_EQ(format_line(OutputFormat::human, spec),
              std::string(R"(Unbind: PID:4321, AppId:"python3", Protocol:udp, Address:[::1]:8080, )"
                          R"(Action:permit, BindCount:0, Time:)") +
                  spec_time + "\n");
    spec.address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
    spec.port = 65535;
    EXPECT_NE(format_line(OutputFormat::human, spec).find(", Address:[2001:db8::42]:65535, Action:"),
              std::string::npos);
    EXPECT_EQ(json_of(spec)["address"], "2001:db8::42") << "JSON keeps the address and the port apart";
}

TEST(BindMonitorFormatter, EachOperation)
{
    const std::pair<BindOperation, const char *> cases[] = {
        {BindOperation::bind, "bind"}, {BindOperation::post_bind, "post_bind"}, {BindOperation::unbind, "unbind"}};
    for (const auto &[operation, type] : cases) {
        BindRecordSpec spec;
        spec.operation = operation;
        EXPECT_EQ(json_of(spec)["type"], type);
    }
    BindRecordSpec spec;
    spec.operation = BindOperation::post_bind;
    EXPECT_EQ(format_line(OutputFormat::human, spec).rfind("Post-bind: PID:4321, ", 0), 0u);
}

TEST(BindMonitorFormatter, EachAction)
{
    const std::pair<BindAction, const char *> cases[] = {
        {BindAction::permit, "permit"}, {BindAction::deny, "deny"}, {BindAction::redirect, "redirect"}};
    for (const auto &[action, name] : cases) {
        BindRecordSpec spec;
        spec.action = action;
        EXPECT_EQ(json_of(spec)["action"], name);
        EXPECT_NE(format_line(OutputFormat::human, spec).find(std::string(", Action:") + name + ", "),
                  std::string::npos);
    }
}

TEST(BindMonitorFormatter, Protocols)
{
    BindRecordSpec spec;
    EXPECT_EQ(json_of(spec)["protocol"], "tcp");
    spec.protocol = 17;
    EXPECT_EQ(json_of(spec)["protocol"], "udp");
    spec.protocol = 132; // SCTP: the number
    EXPECT_EQ(json_of(spec)["protocol"], 132);
    EXPECT_NE(format_line(OutputFormat::human, spec).find(", Protocol:132, "), std::string::npos);
}

TEST(BindMonitorFormatter, Ipv6Json)
{
    BindRecordSpec spec;
    spec.family = 6;
    spec.address = {};
    spec.address[15] = 1;
    spec.port = 65535;
    const nlohmann::json line = json_of(spec);
    EXPECT_EQ(line["family"], 6);
    EXPECT_EQ(line["address"], "::1");
    EXPECT_EQ(line["port"], 65535);
}

TEST(BindMonitorFormatter, HostileAppIdInJson)
{
    BindRecordSpec spec;
    spec.app_id = hostile;
    // Invalid UTF-16 and the restored invalid byte both become U+FFFD; JSON escapes the controls.
    EXPECT_EQ(json_of(spec)["app_id"], "evil \x1b[2J \xC2\x9B \xEF\xBF\xBD \xEF\xBF\xBD \\ \" \n x");
}

TEST(BindMonitorFormatter, HostileAppIdInHumanLineCannotForgeFields)
{
    BindRecordSpec spec;
    spec.app_id = hostile;
    EXPECT_EQ(format_line(OutputFormat::human, spec),
              std::string(R"(Bind: PID:4321, AppId:"evil \x1b[2J \u009b )") + "\xEF\xBF\xBD" +
                  R"( \xff \\ \" \n x", Protocol:tcp, Address:127.0.0.1:0, Action:permit, BindCount:0, Time:)" +
                  spec_time + "\n");

    spec.app_id = u"x\", Protocol:udp, Address:10.0.0.1:1, Action:deny\\";
    const std::string line = format_line(OutputFormat::human, spec);
    EXPECT_NE(line.find(R"(AppId:"x\", Protocol:udp, Address:10.0.0.1:1, Action:deny\\", Protocol:tcp, )"),
              std::string::npos)
        << line;
}

TEST(BindMonitorFormatter, BoottimeBecomesWallClock)
{
    BindRecordSpec spec;
    spec.timestamp_ns = 5'000'000'000 + 86'400'000'000'000 + 999'999; // one day later, 999.999 µs
    EXPECT_EQ(json_of(spec)["timestamp"], "2023-11-15T22:13:20.000999Z");
}

TEST(BindMonitorFormatter, MalformedRecordsAreCountedAndPrintNothing)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> stream(std::tmpfile(), &std::fclose);
    ASSERT_NE(stream, nullptr);
    LossReporter losses(
        "bind_monitor", [] { return std::uint64_t{0}; }, stream.get());
    BindMonitorFormatter formatter(OutputFormat::json, realtime_minus_boottime);

    std::vector<std::byte> too_large = build_bind_record({});
    fixed_part(too_large).app_id_size = 0xFFFE;
    const auto good = build_bind_record({});
    const std::vector<std::byte> short_record(good.begin(), good.begin() + 20);
    std::string out;
    const std::vector<std::byte> *records[] = {&good, &short_record, &too_large};
    for (const std::vector<std::byte> *record : records)
        losses.count(formatter.format(*record, out));
    losses.check();
    EXPECT_EQ(losses.received(), 3u);
    EXPECT_EQ(losses.malformed(), 2u);
    EXPECT_STREQ(losses.last_reason(), "app_id_size too large");
    EXPECT_EQ(losses.total(), 2u);
    EXPECT_EQ(out, format_line(OutputFormat::json, {})); // only the good record's line
}

// The line of record as bind_monitor built it before it wrote JSON directly: an nlohmann::ordered_json object of the
// same fields, dumped with error_handler_t::replace, app_id_bytes when the app id is not valid UTF-8.
std::string nlohmann_line(const std::vector<std::byte> &record)
{
    BindMonitorEvent event;
    EXPECT_TRUE(decode_bind_event(record, event).is_ok());
    const bind_monitor_event &f = event.fixed;
    std::string app_id;
    utf16le_to_utf8(event.app_id, app_id);
    std::string address;
    append_bind_address(event, address);
    constexpr const char *types[] = {"bind", "post_bind", "unbind"};
    constexpr const char *actions[] = {"permit", "deny", "redirect"};

    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line["type"] = types[f.operation];
    line["timestamp"] = filetime_to_iso8601(boottime_ns_to_filetime(f.timestamp_ns, realtime_minus_boottime));
    line["process_id"] = f.process_id;
    line["app_id"] = app_id;
    if (!is_valid_utf8(app_id)) {
        std::string bytes;
        append_base64(app_id, bytes);
        line["app_id_bytes"] = bytes;
    }
    line["family"] = event.family();
    line["address"] = address;
    line["port"] = event.port();
    if (const char *name = ip_protocol_name(f.protocol))
        line["protocol"] = name;
    else
        line["protocol"] = f.protocol;
    line["action"] = actions[f.action];
    line["bind_count"] = f.bind_count;
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

// The directly written JSON lines are exactly nlohmann's, record after record through one formatter (its cached
// second changes and stays), and each parses: IPv4 and IPv6, every operation and action, named and numbered
// protocols, extreme numbers, empty and hostile app ids (controls, quotes, backslashes, C1, emoji, invalid UTF-16,
// restored invalid bytes: app_id_bytes).
TEST(BindMonitorFormatter, JsonSameBytesAsNlohmann)
{
    std::vector<BindRecordSpec> specs;
    specs.emplace_back(); // IPv4 bind, permit, tcp
    {
        BindRecordSpec spec;
        spec.operation = BindOperation::post_bind;
        spec.action = BindAction::deny;
        spec.family = 6;
        spec.address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
        spec.port = 65535;
        spec.protocol = 17;
        spec.bind_count = UINT32_MAX;
        specs.push_back(spec);
    }
    {
        BindRecordSpec spec;
        spec.operation = BindOperation::unbind;
        spec.action = BindAction::redirect;
        spec.family = 6;
        spec.address = {};
        spec.address[15] = 1;
        spec.port = 8080;
        spec.protocol = 132; // SCTP: a number
        spec.process_id = UINT64_MAX;
        spec.timestamp_ns = 5'000'000'000 + 86'400'000'000'000 + 999'999;
        specs.push_back(spec);
    }
    {
        BindRecordSpec spec;
        spec.action = BindAction::deny;
        spec.address = {0, 0, 0, 0};
        spec.protocol = 0;
        spec.process_id = 0;
        spec.timestamp_ns = 0;
        spec.app_id = u"";
        specs.push_back(spec);
    }
    for (const std::u16string &app_id :
         {hostile, std::u16string(u"\x01\x1f\x7f\b\f\t\r\n \"q\" \\ / \u00e9 \u20ac \U0001F600 \u009b"),
          std::u16string(u"\xDC80\xDCFF\xDCC3("), std::u16string(u"lone \xDC00 low, cut high \xD83D"),
          std::u16string(u"x\", \"action\":\"permit")}) {
        BindRecordSpec spec;
        spec.app_id = app_id;
        spec.action = BindAction::redirect;
        specs.push_back(spec);
    }
    {
        BindRecordSpec spec; // a long app id the BPF side cut: no NUL
        spec.app_id = std::u16string(255, u'a') + u"\u00e9";
        spec.nul = false;
        spec.padding = 4;
        specs.push_back(spec);
    }

    BindMonitorFormatter formatter(OutputFormat::json, realtime_minus_boottime);
    std::string out, expected;
    for (const BindRecordSpec &spec : specs) {
        const std::vector<std::byte> record = build_bind_record(spec);
        const std::size_t start = out.size();
        ASSERT_TRUE(formatter.format(record, out).is_ok());
        const std::string line = out.substr(start);
        const std::string reference = nlohmann_line(record);
        EXPECT_EQ(line, reference);
        EXPECT_EQ(line.find('\n'), line.size() - 1);
        EXPECT_TRUE(nlohmann::json::parse(line).is_object()) << line;
        expected += reference;
    }
    EXPECT_EQ(out, expected);
    EXPECT_NE(out.find(R"("app_id_bytes":")"), std::string::npos); // the invalid-UTF-8 case was covered
}

} // namespace
} // namespace winbpf::monitor
