// SPDX-License-Identifier: MIT
// The outputs of monitor/common/output.hpp on real files: rotation, gzip, reopen, failures counted (no privilege).
#include "common/loss_reporter.hpp"
#include "common/output.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

namespace winbpf::monitor
{
namespace
{

namespace fs = std::filesystem;

/// A JSON event line of a given sequence number, about 100 bytes.
std::string event_line(unsigned seq)
{
    return R"({"type":"test_event","seq":)" + std::to_string(seq) + R"(,"padding":")" + std::string(64, 'x') + "\"}\n";
}

/// Batches of count event lines, numbered from first, batch events per batch.
std::vector<std::string> batches(unsigned first, unsigned count, unsigned batch)
{
    std::vector<std::string> out;
    for (unsigned seq = first; seq < first + count; seq += batch) {
        std::string lines;
        for (unsigned i = seq; i < std::min(first + count, seq + batch); ++i)
            lines += event_line(i);
        out.push_back(std::move(lines));
    }
    return out;
}

std::string read_text(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string read_gzip(const fs::path &path)
{
    gzFile gz = gzopen(path.c_str(), "rb");
    if (gz == nullptr)
        return {};
    std::string text;
    char buffer[4096];
    for (int n; (n = gzread(gz, buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<std::size_t>(n));
    gzclose(gz);
    return text;
}

/// Every line of text parsed (a line that is not complete JSON fails the test).
std::vector<nlohmann::json> parse_lines(const std::string &text)
{
    std::vector<nlohmann::json> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        EXPECT_TRUE(nlohmann::json::accept(line)) << "not one JSON line: " << line;
        if (nlohmann::json::accept(line))
            lines.push_back(nlohmann::json::parse(line));
    }
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "a file ends in a cut line";
    return lines;
}

unsigned mode_of(const fs::path &path)
{
    struct stat st {
    };
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

/// The seq numbers of the test events in files, in order; each file must begin with a stream record.
std::vector<unsigned> events_in(const std::vector<std::string> &texts)
{
    std::vector<unsigned> seqs;
    for (const auto &text : texts) {
        const auto lines = parse_lines(text);
        EXPECT_FALSE(lines.empty());
        if (lines.empty())
            continue;
        EXPECT_EQ(lines[0]["type"], "stream");
        EXPECT_EQ(lines[0]["schema_version"], schema_version);
        EXPECT_EQ(lines[0]["tool"], "output_test");
        for (const auto &line : lines)
            if (line["type"] == "test_event")
                seqs.push_back(line["seq"].get<unsigned>());
    }
    return seqs;
}

TEST(FileSink, RotatesAtTheSizeLimitKeepsNFilesAndSplitsNoLine)
{
    const test::TempDir dir;
    const fs::path path = dir.path() / "events.json";
    constexpr std::uint64_t max_size = 4000; // ~38 events a file
    FileSink sink(path.string(), "output_test", max_size, 3, false);
    // 130 events in batches of 7 (batches do not divide the files): 4 files hold them all.
    for (const auto &lines : batches(0, 130, 7))
        sink.write_events(lines);
    EXPECT_EQ(sink.delivered(), 130u);
    EXPECT_EQ(sink.lost(), 0u);
    EXPECT_EQ(sink.errors(), 0u);
    EXPECT_EQ(sink.rotations(), 3u);

    std::vector<std::string> texts; // oldest first
    for (const char *name : {"events.json.3", "events.json.2", "events.json.1", "events.json"}) {
        ASSERT_TRUE(fs::exists(dir.path() / name)) << name;
        EXPECT_EQ(mode_of(dir.path() / name), 0600u) << name;
        texts.push_back(read_text(dir.path() / name));
        EXPECT_LE(texts.back().size(), max_size) << name;
    }
    EXPECT_FALSE(fs::exists(dir.path() / "events.json.4"));
    std::vector<unsigned> expected(130);
    for (unsigned i = 0; i < expected.size(); ++i)
        expected[i] = i;
    EXPECT_EQ(events_in(texts), expected) << "every event once, in order, none split";

    // More: the oldest files go (max_files 3 kept beside the current one), the newest events stay in order.
    for (const auto &lines : batches(130, 100, 7))
        sink.write_events(lines);
    EXPECT_EQ(sink.delivered(), 230u);
    EXPECT_FALSE(fs::exists(dir.path() / "events.json.4"));
    texts.clear();
    for (const char *name : {"events.json.3", "events.json.2", "events.json.1", "events.json"})
        texts.push_back(read_text(dir.path() / name));
    const auto kept = events_in(texts);
    ASSERT_FALSE(kept.empty());
    EXPECT_EQ(kept.back(), 229u);
    for (std::size_t i = 1; i < kept.size(); ++i)
        EXPECT_EQ(kept[i], kept[i - 1] + 1) << "a gap in the kept files";
}

TEST(FileSink, GzipCompressesRotatedFiles)
{
    const test::TempDir dir;
    const fs::path path = dir.path() / "events.json";
    FileSink sink(path.string(), "output_test", 4000, 5, true);
    for (const auto &lines : batches(0, 100, 10))
        sink.write_events(lines);
    EXPECT_EQ(sink.delivered(), 100u);
    ASSERT_GE(sink.rotations(), 2u);
    std::vector<std::string> texts;
    for (auto n = sink.rotations(); n >= 1; --n) {
        const fs::path rotated = dir.path() / ("events.json." + std::to_string(n) + ".gz");
        ASSERT_TRUE(fs::exists(rotated)) << rotated;
        EXPECT_FALSE(fs::exists(dir.path() / ("events.json." + std::to_string(n))));
        EXPECT_EQ(mode_of(rotated), 0600u);
        EXPECT_LT(fs::file_size(rotated), 4000u / 2) << "compressed";
        texts.push_back(read_gzip(rotated));
    }
    texts.push_back(read_text(path)); // the current file is plain text
    const auto seqs = events_in(texts);
    ASSERT_EQ(seqs.size(), 100u);
    for (unsigned i = 0; i < seqs.size(); ++i)
        EXPECT_EQ(seqs[i], i);
}

TEST(FileSink, LineLongerThanTheLimitGetsAFileOfItsOwn)
{
    const test::TempDir dir;
    const fs::path path = dir.path() / "events.json";
    FileSink sink(path.string(), "output_test", 300, 5, false);
    const std::string big = R"({"type":"test_event","seq":1,"padding":")" + std::string(1000, 'y') + "\"}\n";
    sink.write_events(event_line(0));
    sink.write_events(big);
    sink.write_events(event_line(2));
    EXPECT_EQ(sink.delivered(), 3u);
    const auto seqs =
        events_in({read_text(dir.path() / "events.json.2"), read_text(dir.path() / "events.json.1"), read_text(path)});
    EXPECT_EQ(seqs, (std::vector<unsigned>{0, 1, 2}));
}

TEST(FileSink, ReopenAfterAnExternalRenameStartsANewFile)
{
    const test::TempDir dir;
    const fs::path path = dir.path() / "events.json";
    const fs::path moved = dir.path() / "events.json.logrotated";
    FileSink sink(path.string(), "output_test", 1'000'000, 5, false);
    sink.write_events(event_line(0) + event_line(1));
    fs::rename(path, moved);          // what logrotate does before it sends SIGUSR1
    sink.write_events(event_line(2)); // still the renamed file until reopened
    sink.reopen();
    sink.write_events(event_line(3));
    EXPECT_EQ(sink.delivered(), 4u);
    EXPECT_EQ(events_in({read_text(moved)}), (std::vector<unsigned>{0, 1, 2}));
    EXPECT_EQ(events_in({read_text(path)}), (std::vector<unsigned>{3}));
    EXPECT_EQ(mode_of(path), 0600u);
}

TEST(FileSink, AppendsToAnExistingFileAndMakesIt0600)
{
    const test::TempDir dir;
    const fs::path path = dir.path() / "events.json";
    {
        FileSink sink(path.string(), "output_test", 1'000'000, 5, false);
        sink.write_events(event_line(0));
    }
    fs::permissions(path, fs::perms::all);
    FileSink sink(path.string(), "output_test", 1'000'000, 5, false);
    sink.write_events(event_line(1));
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(events_in({read_text(path)}), (std::vector<unsigned>{0, 1})) << "one stream record, then both";
}

TEST(FileSink, MissingDirectoryIsCountedThenALossRecordWhenItWorksAgain)
{
    const test::TempDir dir;
    const fs::path sub = dir.path() / "not-yet";
    const fs::path path = sub / "events.json";
    testing::internal::CaptureStderr();
    FileSink sink(path.string(), "output_test", 1'000'000, 5, false);
    sink.write_events(event_line(0) + event_line(1));
    sink.write_events(event_line(2));
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(sink.delivered(), 0u);
    EXPECT_EQ(sink.lost(), 3u);
    EXPECT_GE(sink.errors(), 3u);
    EXPECT_STREQ(sink.last_reason(), "open_error");
    EXPECT_NE(err.find("output_test: output file:" + path.string() + ": cannot open: No such file or directory"),
              std::string::npos)
        << err;
    EXPECT_EQ(err.find("cannot open", err.find("cannot open") + 1), std::string::npos) << "said once: " << err;

    fs::create_directory(sub);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100)); // opens are tried at most once a second
    sink.write_events(event_line(3));
    EXPECT_EQ(sink.delivered(), 1u);
    EXPECT_EQ(sink.lost(), 3u);
    const auto lines = parse_lines(read_text(path));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0]["type"], "stream");
    EXPECT_EQ(lines[1]["type"], "loss");
    EXPECT_EQ(lines[1]["stage"], "output");
    EXPECT_EQ(lines[1]["output"], "file:" + path.string());
    EXPECT_EQ(lines[1]["reason"], "open_error");
    EXPECT_EQ(lines[1]["count"], 3);
    EXPECT_EQ(lines[1]["total"], 3);
    EXPECT_EQ(lines[1]["schema_version"], schema_version);
    EXPECT_EQ(lines[2]["seq"], 3);
}

TEST(FileSink, DiskFullIsCountedNeverACrash)
{
    // /dev/full: every write fails with ENOSPC, as on a full disk.
    testing::internal::CaptureStderr();
    FileSink sink("/dev/full", "output_test", 1'000'000, 5, false);
    sink.write_events(event_line(0) + event_line(1));
    sink.write_events(event_line(2));
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(sink.delivered(), 0u);
    EXPECT_EQ(sink.lost(), 3u);
    EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
    struct stat st {
    };
    ASSERT_EQ(::stat("/dev/full", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << "a device is written, never made 0600";
}

TEST(Outputs, UnknownKindIsAClearError)
{
    OutputOptions options;
    options.sinks = {"syslog:local0"};
    try {
        Outputs outputs(options, "output_test");
        FAIL() << "accepted";
    } catch (const std::exception &error) {
        EXPECT_STREQ(error.what(),
                     "output syslog:local0: unknown kind: use stdout, file:PATH or nats://HOST:PORT/SUBJECT");
    }
    options.sinks = {"stdout"};
    EXPECT_FALSE(options.wants_json());
    options.sinks = {"stdout", "file:/x"};
    EXPECT_TRUE(options.wants_json());
}

TEST(Outputs, EveryOutputGetsEventsAndRecords)
{
    const test::TempDir dir;
    OutputOptions options;
    options.sinks = {"file:" + (dir.path() / "a.json").string(), "file:" + (dir.path() / "b.json").string()};
    Outputs outputs(options, "output_test");
    std::string lines = event_line(0) + event_line(1);
    outputs.write_events(lines);
    EXPECT_TRUE(lines.empty());
    std::string loss;
    append_loss_record("output_test", LossStage::bpf, {}, "ring_buffer_full", 5, 7, loss);
    outputs.write_record(loss);
    for (const char *name : {"a.json", "b.json"}) {
        const auto parsed = parse_lines(read_text(dir.path() / name));
        ASSERT_EQ(parsed.size(), 4u) << name;
        EXPECT_EQ(parsed[3]["type"], "loss");
        EXPECT_EQ(parsed[3]["stage"], "bpf");
        EXPECT_EQ(parsed[3]["reason"], "ring_buffer_full");
        EXPECT_EQ(parsed[3]["count"], 5);
        EXPECT_EQ(parsed[3]["total"], 7);
        EXPECT_FALSE(parsed[3].contains("output"));
    }
    for (const auto &sink : outputs.sinks())
        EXPECT_EQ(sink->delivered(), 2u);
}

TEST(LossReporter, ListenerGetsEachStageWithItsCountAndTotal)
{
    std::uint64_t kernel = 0;
    std::FILE *null = std::fopen("/dev/null", "w");
    ASSERT_NE(null, nullptr);
    LossReporter losses(
        "output_test", [&kernel] { return kernel; }, null);
    std::vector<std::string> seen;
    losses.set_listener([&](LossStage stage, const char *reason, std::uint64_t count, std::uint64_t total) {
        seen.push_back(std::string(loss_stage_name(stage)) + " " + reason + " " + std::to_string(count) + " " +
                       std::to_string(total));
    });
    kernel = 4;
    losses.count(RecordStatus::malformed("size mismatch"));
    losses.check();
    losses.check(); // nothing new: nothing said
    kernel = 6;
    losses.check();
    std::fclose(null);
    EXPECT_EQ(seen, (std::vector<std::string>{"bpf ring_buffer_full 4 4", "consumer malformed_record 1 1",
                                              "bpf ring_buffer_full 2 6"}));
}

TEST(CountLines, CountsEveryNewline)
{
    EXPECT_EQ(count_lines(""), 0u);
    EXPECT_EQ(count_lines("no newline"), 0u);
    EXPECT_EQ(count_lines("\n"), 1u);
    EXPECT_EQ(count_lines("\n\n\n"), 3u);
    EXPECT_EQ(count_lines("a\nb\nrest without one"), 2u);
    std::string lines;
    for (unsigned seq = 0; seq < 10000; ++seq)
        lines += event_line(seq);
    EXPECT_EQ(count_lines(lines), 10000u);
    EXPECT_EQ(count_lines(std::string_view(lines).substr(1, lines.size() - 2)), 9999u); // the last one cut off
}

} // namespace
} // namespace winbpf::monitor
