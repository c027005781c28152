// SPDX-License-Identifier: MIT
#include "process_monitor.hpp"
#include "record_builder.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace winbpf::monitor
{
namespace
{

using test::build_record;
using test::delete_of;
using test::RecordSpec;

// argv with an escape sequence, a C1 CSI, an invalid byte (\xff, as the BPF side escapes it: U+DCFF), a backslash,
// a newline, a quote and an emoji.
const std::u16string hostile = u"evil \x1b[2J \u009b31m \xDCFF \\ \n \" \U0001F600";

RecordSpec hostile_create()
{
    RecordSpec spec;
    spec.process_id = 4242;
    spec.parent_process_id = 77;
    spec.creation_time = 134397726701234567ULL;
    spec.image_path = u"/tmp/\xDCFE\x07x";
    spec.command_line = hostile;
    spec.account_name = u"r\xDC80oot";
    return spec;
}

TEST(HumanFormat, CreateAndDeleteLines)
{
    ProcessMonitorFormatter formatter(OutputFormat::human);
    std::string out;
    RecordSpec spec;
    spec.process_id = 10;
    spec.parent_process_id = 9;
    spec.image_path = u"/usr/bin/dash";
    spec.command_line = u"/bin/sh -c exit 7";
    ASSERT_TRUE(formatter.format(build_record(spec), out).is_ok());
    EXPECT_EQ(out, "Process created: PID:10, Image:\"/usr/bin/dash\", CommandLine:\"/bin/sh -c exit 7\", ParentPID:9, "
                   "Create Time:2026-11-21T22:11:10.123456Z\n");
    out.clear();
    RecordSpec del = delete_of(spec);
    del.exit_code = 7;
    ASSERT_TRUE(formatter.format(build_record(del), out).is_ok());
    EXPECT_EQ(out, "Process destroyed: PID:10, Image:\"/usr/bin/dash\", CommandLine:\"/bin/sh -c exit 7\", "
                   "Exit Time:2026-11-21T22:11:11.123456Z, Exit Code:7\n");
}

TEST(HumanFormat, HostileStringsAreEscaped)
{
    ProcessMonitorFormatter formatter(OutputFormat::human);
    std::string out;
    ASSERT_TRUE(formatter.format(build_record(hostile_create()), out).is_ok());
    EXPECT_EQ(out, "Process created: PID:4242, Image:\"/tmp/\\xfe\\x07x\", CommandLine:\"evil \\x1b[2J \\u009b31m "
                   "\\xff \\\\ \\n \\\" \xf0\x9f\x98\x80\", ParentPID:77, Create Time:2026-11-21T22:11:10.123456Z\n");
    EXPECT_EQ(out.find('\x1b'), std::string::npos);
    EXPECT_EQ(out.find('\n'), out.size() - 1);
}

// Lone and reversed surrogates (only U+DC80..U+DCFF stand for a byte of the original text), controls and a C1 control,
// repeated to a command line of 11000 UTF-16 units.
TEST(ProcessMonitorFormatter, SurrogatesControlsAndLongStringsInBothFormats)
{
    const std::u16string unit = u"a\xD800"
                                u"b\xDC41\xDCFF\x01\x9B\xDE00\xD83D\t";
    const std::string r = "\xef\xbf\xbd"; // U+FFFD
    std::u16string command;
    std::string human_command, json_command;
    for (int i = 0; i < 1000; ++i) {
        command += unit;
        human_command += "a" + r + "b" + r + "\\xff\\x01\\u009b" + r + r + "\\t";
        json_command += "a" + r + "b" + r + r + "\\u0001\xc2\x9b" + r + r + "\\t";
    }
    RecordSpec spec;
    spec.command_line = command;
    const auto create = build_record(spec);
    RecordSpec killed = delete_of(spec);
    killed.exit_code = 137;
    const auto destroy = build_record(killed);

    ProcessMonitorFormatter human(OutputFormat::human);
    std::string out;
    ASSERT_TRUE(human.format(create, out).is_ok());
    ASSERT_TRUE(human.format(destroy, out).is_ok());
    EXPECT_EQ(out, "Process created: PID:1234, Image:\"/usr/bin/true\", CommandLine:\"" + human_command +
                       "\", ParentPID:1, Create Time:2026-11-21T22:11:10.123456Z\n"
                       "Process destroyed: PID:1234, Image:\"/usr/bin/true\", CommandLine:\"" +
                       human_command + "\", Exit Time:2026-11-21T22:11:11.123456Z, Exit Code:137\n");

    ProcessMonitorFormatter json(OutputFormat::json);
    out.clear();
    ASSERT_TRUE(json.format(create, out).is_ok());
    ASSERT_TRUE(json.format(destroy, out).is_ok());
    const auto newline = out.find('\n');
    ASSERT_NE(newline, std::string::npos);
    for (const std::string &line : {out.substr(0, newline), out.substr(newline + 1, out.size() - newline - 2)}) {
        EXPECT_NE(line.find(R"("command_line":")" + json_command + "\""), std::string::npos);
        EXPECT_EQ(nlohmann::ordered_json::parse(line).dump(), line);
    }
}

TEST(JsonFormat, CreateLine)
{
    ProcessMonitorFormatter formatter(OutputFormat::json);
    std::string out;
    RecordSpec spec;
    spec.uid = 0;
    spec.account_name = u"root";
    ASSERT_TRUE(formatter.format(build_record(spec), out).is_ok());
    ASSERT_EQ(out.back(), '\n');
    const auto line = nlohmann::json::parse(out);
    EXPECT_EQ(line["type"], "process_create");
    EXPECT_EQ(line["timestamp"], "2026-11-21T22:11:10.123456Z");
    EXPECT_EQ(line["process_id"], 1234);
    EXPECT_EQ(line["parent_process_id"], 1);
    EXPECT_EQ(line["creating_process_id"], 1);
    EXPECT_EQ(line["creating_thread_id"], 1);
    EXPECT_EQ(line["creation_time"], "2026-11-21T22:11:10.123456Z");
    EXPECT_EQ(line["image_path"], "/usr/bin/true");
    EXPECT_EQ(line["command_line"], "true");
    EXPECT_EQ(line["token_sid"], "S-1-22-1-0");
    EXPECT_EQ(line["account_name"], "root");
    EXPECT_EQ(line["account_domain"], "host");
    EXPECT_FALSE(line.contains("exit_time"));
    EXPECT_FALSE(line.contains("process_exit_code"));
    EXPECT_EQ(line["image_path_truncated"], false);
    EXPECT_EQ(line["command_line_truncated"], false);
    EXPECT_FALSE(line.contains("image_path_bytes")) << "valid UTF-8 needs no bytes";
    EXPECT_FALSE(line.contains("command_line_bytes"));
    EXPECT_EQ(line.size(), 14u);
}

/// Appends the JSON lines of hostile_create() and of its DELETE (exit code 137, killed by SIGKILL) to out.
void print_hostile_json_pair(std::string &out)
{
    ProcessMonitorFormatter formatter(OutputFormat::json);
    ASSERT_TRUE(formatter.format(build_record(hostile_create()), out).is_ok());
    RecordSpec killed = delete_of(hostile_create());
    killed.exit_code = 137;
    ASSERT_TRUE(formatter.format(build_record(killed), out).is_ok());
}

TEST(JsonFormat, HostileStringsGiveValidJsonLines)
{
    std::string out;
    ASSERT_NO_FATAL_FAILURE(print_hostile_json_pair(out));
    // Exactly two lines, each a JSON object.
    const auto newline = out.find('\n');
    ASSERT_NE(newline, std::string::npos);
    ASSERT_EQ(out.find('\n', newline + 1), out.size() - 1);
    const std::string replacement = "\xef\xbf\xbd";
    const std::string expected_command = "evil \x1b[2J \xc2\x9b"
                                         "31m " +
                                         replacement + " \\ \n \" \xf0\x9f\x98\x80";
    for (const std::string &line : {out.substr(0, newline), out.substr(newline + 1, out.size() - newline - 2)}) {
        nlohmann::json doc;
        ASSERT_NO_THROW(doc = nlohmann::json::parse(line)) << line;
        EXPECT_EQ(doc["command_line"], expected_command);
        EXPECT_EQ(doc["image_path"], "/tmp/" + replacement + "\x07x");
        EXPECT_EQ(doc["account_name"], "r" + replacement + "oot");
        EXPECT_EQ(doc["process_id"], 4242);
    }
    const auto del = nlohmann::json::parse(out.substr(newline + 1));
    EXPECT_EQ(del["type"], "process_delete");
    EXPECT_EQ(del["exit_time"], "2026-11-21T22:11:11.123456Z");
    EXPECT_EQ(del["timestamp"], "2026-11-21T22:11:11.123456Z");
    EXPECT_EQ(del["process_exit_code"], 137);
    EXPECT_EQ(del["never_executed"], false);
    EXPECT_EQ(del.size(), 20u) << "with the bytes of the three strings that are not valid UTF-8";
}

// Issue 23: a process that forked without exec exits with its parent's image and argv, which its DELETE carries, and
// the JSON says that it never exec'd; an exec'd process's DELETE says false, a create line has no such key.
TEST(JsonFormat, DeleteSaysWhetherTheProcessNeverExecuted)
{
    ProcessMonitorFormatter formatter(OutputFormat::json);
    std::string out;
    RecordSpec fork_only = delete_of(RecordSpec{}, true);
    fork_only.process_id = 4243;
    fork_only.image_path = u"/usr/bin/bash";
    fork_only.command_line = u"bash -c sleep 1 & wait";
    fork_only.never_executed = true;
    ASSERT_TRUE(formatter.format(build_record(fork_only), out).is_ok());
    auto line = nlohmann::json::parse(out);
    EXPECT_EQ(line["type"], "process_delete");
    EXPECT_EQ(line["image_path"], "/usr/bin/bash");
    EXPECT_EQ(line["command_line"], "bash -c sleep 1 & wait");
    EXPECT_EQ(line["never_executed"], true);

    out.clear();
    const RecordSpec exec;
    ASSERT_TRUE(formatter.format(build_record(exec), out).is_ok());
    EXPECT_FALSE(nlohmann::json::parse(out).contains("never_executed"));
    out.clear();
    ASSERT_TRUE(formatter.format(build_record(delete_of(exec)), out).is_ok());
    line = nlohmann::json::parse(out);
    EXPECT_EQ(line["command_line"], "true");
    EXPECT_EQ(line["never_executed"], false);
}

TEST(JsonFormat, LinesAreWhatNlohmannWrites)
{
    std::string out;
    ASSERT_NO_FATAL_FAILURE(print_hostile_json_pair(out));
    std::size_t start = 0;
    for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string line = out.substr(start, end - start);
        EXPECT_EQ(nlohmann::ordered_json::parse(line).dump(), line);
    }
    EXPECT_EQ(start, out.size());
}

TEST(JsonFormat, BuffersAreReusedWithoutLeftovers)
{
    ProcessMonitorFormatter formatter(OutputFormat::json);
    std::string out;
    RecordSpec long_spec;
    long_spec.command_line = std::u16string(5000, u'x');
    ASSERT_TRUE(formatter.format(build_record(long_spec), out).is_ok());
    out.clear();
    RecordSpec short_spec;
    short_spec.process_id = 5;
    short_spec.command_line = u"y";
    ASSERT_TRUE(formatter.format(build_record(short_spec), out).is_ok());
    EXPECT_EQ(nlohmann::json::parse(out)["command_line"], "y");
}

TEST(ProcessMonitorFormatter, CountsMalformedRecordsWithoutOutput)
{
    ProcessMonitorFormatter formatter(OutputFormat::json);
    LossReporter losses(
        "process_monitor", [] { return std::uint64_t{0}; }, stderr);
    std::string out;
    const auto handle = [&](std::span<const std::byte> record) { // as the session does (main.cpp)
        const RecordStatus status = formatter.format(record, out);
        losses.count(status);
        return status;
    };
    const auto good = build_record(RecordSpec{});
    EXPECT_STREQ(handle(std::span(good).first(sizeof(process_monitor_event) - 1)).reason(), "record too short");
    EXPECT_STREQ(handle(std::span(good).first(good.size() - 2)).reason(), "size mismatch");
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(handle(good).is_ok());
    EXPECT_EQ(losses.received(), 3u);
    EXPECT_EQ(losses.malformed(), 2u);
    EXPECT_STREQ(losses.last_reason(), "size mismatch");
    EXPECT_FALSE(out.empty());
}

// Issue 11: `/bin/true 'x, ParentPID:1, Create Time:1999-01-01T00:00:00Z'` must not print a line that parses as other
// values: the command line is one quoted field, its quotes escaped, and the real fields follow it.
TEST(HumanFormat, ArgumentsCannotForgeFields)
{
    ProcessMonitorFormatter formatter(OutputFormat::human);
    std::string out;
    RecordSpec spec;
    spec.image_path = u"/tmp/x\", CommandLine:\"y";
    spec.command_line = u"/bin/true x\", ParentPID:1, Create Time:1999-01-01T00:00:00Z\\";
    ASSERT_TRUE(formatter.format(build_record(spec), out).is_ok());
    EXPECT_EQ(out, R"(Process created: PID:1234, Image:"/tmp/x\", CommandLine:\"y", )"
                   R"(CommandLine:"/bin/true x\", ParentPID:1, Create Time:1999-01-01T00:00:00Z\\", ParentPID:1, )"
                   "Create Time:2026-11-21T22:11:10.123456Z\n");
    // A reader that splits quoted fields by the documented rule finds exactly the real ones.
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        const char c = out[i];
        if (quoted && c == '\\') {
            field += out[++i];
            continue;
        }
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted && c == ',' && out[i + 1] == ' ') {
            fields.push_back(field);
            field.clear();
            ++i;
            continue;
        }
        field += c;
    }
    fields.push_back(field);
    ASSERT_EQ(fields.size(), 5u);
    EXPECT_EQ(fields[1], "Image:/tmp/x\", CommandLine:\"y");
    EXPECT_EQ(fields[2], "CommandLine:/bin/true x\", ParentPID:1, Create Time:1999-01-01T00:00:00Z\\");
    EXPECT_EQ(fields[3], "ParentPID:1");
    EXPECT_EQ(fields[4], "Create Time:2026-11-21T22:11:10.123456Z");
}

TEST(HumanFormat, TruncationIsMarkedOutsideTheQuotes)
{
    ProcessMonitorFormatter formatter(OutputFormat::human);
    std::string out;
    RecordSpec spec;
    spec.image_path = u".../d/d/child";
    spec.command_line = u"a b";
    spec.command_line_truncated = true;
    ASSERT_TRUE(formatter.format(build_record(spec), out).is_ok());
    EXPECT_EQ(out, "Process created: PID:1234, Image:\".../d/d/child\" (truncated), CommandLine:\"a b\" (truncated), "
                   "ParentPID:1, Create Time:2026-11-21T22:11:10.123456Z\n");
    // The DELETE, which carries no command line, keeps the CREATE's mark.
    out.clear();
    ASSERT_TRUE(formatter.format(build_record(delete_of(spec)), out).is_ok());
    EXPECT_NE(out.find("CommandLine:\"a b\" (truncated), Exit Time:"), std::string::npos) << out;
}

TEST(JsonFormat, TruncationFlags)
{
    ProcessMonitorFormatter formatter(OutputFormat::json);
    std::string out;
    RecordSpec spec;
    spec.image_path = u"...d/child";
    spec.command_line_truncated = true;
    ASSERT_TRUE(formatter.format(build_record(spec), out).is_ok());
    ASSERT_TRUE(formatter.format(build_record(delete_of(spec)), out).is_ok());
    const auto newline = out.find('\n');
    for (const std::string &line : {out.substr(0, newline), out.substr(newline + 1)}) {
        const auto doc = nlohmann::json::parse(line);
        EXPECT_EQ(doc["command_line_truncated"], true);
        EXPECT_EQ(doc["image_path_truncated"], true);
    }
}

// Invalid UTF-8 (the BPF side's U+DC80..U+DCFF escapes) stays readable in the string and exact in *_bytes.
TEST(JsonFormat, InvalidUtf8IsLosslessInBytes)
{
    ProcessMonitorFormatter formatter(OutputFormat::json);
    std::string out;
    RecordSpec spec;
    spec.image_path = u"/tmp/\xDCFF\xDCFE";
    spec.command_line = u"true \xDCFF\xDCFE \u00e9";
    ASSERT_TRUE(formatter.format(build_record(spec), out).is_ok());
    const auto doc = nlohmann::ordered_json::parse(out);
    EXPECT_EQ(doc["image_path"], "/tmp/\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(doc["image_path_bytes"], "L3RtcC///g==");       // "/tmp/\xff\xfe"
    EXPECT_EQ(doc["command_line_bytes"], "dHJ1ZSD//iDDqQ=="); // "true \xff\xfe \xc3\xa9"
    EXPECT_FALSE(doc.contains("account_name_bytes"));
    std::vector<std::string> keys;
    for (const auto &item : doc.items())
        keys.push_back(item.key());
    const std::vector<std::string> expected{"type",
                                            "timestamp",
                                            "process_id",
                                            "parent_process_id",
                                            "creating_process_id",
                                            "creating_thread_id",
                                            "creation_time",
                                            "image_path",
                                            "image_path_bytes",
                                            "image_path_truncated",
                                            "command_line",
                                            "command_line_bytes",
                                            "command_line_truncated",
                                            "token_sid",
                                            "account_name",
                                            "account_domain"};
    EXPECT_EQ(keys, expected);
}

} // namespace
} // namespace winbpf::monitor
