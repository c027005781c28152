// SPDX-License-Identifier: MIT
// Recordings (monitor/common/recording.hpp): the file round trip, damage and refusals; and --replay of the built
// monitors, which needs no privilege: lines of every complete record, losses counted, clear errors.
#include "bind_monitor_record_builder.hpp"
#include "common/recording.hpp"

#include "support/child.hpp"
#include "support/temp_dir.hpp"

#include "winbpf/error.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#ifndef BIND_MONITOR_PATH
#error BIND_MONITOR_PATH and PROCESS_MONITOR_PATH must name the built monitors
#endif

namespace winbpf::monitor
{
namespace
{

using namespace std::chrono_literals;

std::vector<std::byte> bytes_of(std::string_view text)
{
    const auto *first = reinterpret_cast<const std::byte *>(text.data());
    return {first, first + text.size()};
}

std::string read_all(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::filesystem::path &path, const std::string &bytes)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// Writes records as tool's recording to path.
void record(const std::filesystem::path &path, const std::string &tool,
            const std::vector<std::vector<std::byte>> &records, std::int64_t offset = 0)
{
    RecordingWriter writer(path.string(), tool, offset);
    for (const auto &r : records)
        writer.append(r);
    writer.flush();
}

/// "what" of the winbpf::Error that call throws ("" when it throws none).
template <typename Call> std::string error_of(Call call)
{
    try {
        call();
    } catch (const Error &error) {
        return error.what();
    }
    return "";
}

TEST(Recording, RoundTripKeepsEveryByteAndTheClockOffset)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "r.rec";
    std::vector<std::byte> big(100'000);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::byte>(i * 7 + 3);
    const std::vector<std::vector<std::byte>> records{{}, bytes_of("\x00\xff\n"), big, bytes_of("last")};
    record(path, "bind_monitor", records, -1'234'567'890'123'456'789LL);

    const Recording back = read_recording(path.string());
    EXPECT_EQ(back.tool, "bind_monitor");
    EXPECT_EQ(back.realtime_minus_boottime_ns, -1'234'567'890'123'456'789LL);
    EXPECT_EQ(back.records, records);
    EXPECT_EQ(back.damage, "");
    struct stat st {
    };
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "records may hold command lines: owner only";
}

TEST(Recording, ACutRecordIsReportedAfterTheCompleteOnes)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "r.rec";
    record(path, "process_monitor", {bytes_of("one"), bytes_of("two"), bytes_of("three!")});
    const std::string whole = read_all(path);
    const std::size_t header = 24 + std::string("process_monitor").size();
    ASSERT_EQ(whole.size(), header + 3 * 4 + 3 + 3 + 6);

    write_all(path, whole.substr(0, whole.size() - 2)); // third record's body cut
    Recording cut = read_recording(path.string());
    EXPECT_EQ(cut.records, (std::vector<std::vector<std::byte>>{bytes_of("one"), bytes_of("two")}));
    EXPECT_EQ(cut.damage, "record 3 at byte " + std::to_string(header + 14) + ": 6 bytes announced, 4 left");

    write_all(path, whole.substr(0, header + 14 + 2)); // third record's size cut
    cut = read_recording(path.string());
    EXPECT_EQ(cut.records.size(), 2u);
    EXPECT_EQ(cut.damage, "record 3 at byte " + std::to_string(header + 14) + ": size cut short (2 bytes left)");
}

TEST(Recording, WhatIsNotARecordingIsRefusedByName)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "r.rec";
    write_all(path, "#!/bin/sh\necho hello\n");
    EXPECT_EQ(error_of([&] { read_recording(path.string()); }),
              "recording " + path.string() + ": not a winbpf recording (no \"WINBPFRC\" header)");

    std::filesystem::remove(path); // --record overwrites recordings only
    record(path, "bind_monitor", {});
    std::string bytes = read_all(path);
    bytes[8] = 2; // version 2
    write_all(path, bytes);
    EXPECT_EQ(error_of([&] { read_recording(path.string()); }),
              "recording " + path.string() + ": version 2 (this build reads version 1)");

    write_all(path, read_all(path).substr(0, 20));
    EXPECT_EQ(error_of([&] { read_recording(path.string()); }),
              "recording " + path.string() + ": header cut short (20 bytes)");

    EXPECT_EQ(error_of([&] { read_recording((dir.path() / "missing").string()); }),
              "recording " + (dir.path() / "missing").string() + ": No such file or directory");
}

TEST(Recording, WriteErrorsNameTheFile)
{
    EXPECT_EQ(error_of([] { RecordingWriter("/nonexistent-winbpf/r.rec", "bind_monitor", 0); }),
              "recording /nonexistent-winbpf/r.rec: No such file or directory");
    EXPECT_EQ(error_of([] { RecordingWriter("/dev/full", "bind_monitor", 0); }),
              "recording /dev/full: No space left on device");
}

/// Mode bits (07777) of path, or -1.
int mode_of(const std::filesystem::path &path)
{
    struct stat st {
    };
    return lstat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

// Issue 23: a recording holds command lines: owner only, whatever the umask or the mode of a file it replaces.
TEST(Recording, IsOwnerOnlyWhateverTheUmaskOrTheOldMode)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "r.rec";
    const mode_t old_umask = umask(0);
    record(path, "bind_monitor", {bytes_of("first")});
    umask(old_umask);
    EXPECT_EQ(mode_of(path), 0600);

    ASSERT_EQ(chmod(path.c_str(), 0644), 0);
    record(path, "bind_monitor", {bytes_of("second")});
    EXPECT_EQ(mode_of(path), 0600) << "the mode of an existing recording is fixed";
    EXPECT_EQ(read_recording(path.string()).records, std::vector<std::vector<std::byte>>{bytes_of("second")});

    const auto empty = dir.path() / "empty.rec";
    write_all(empty, "");
    ASSERT_EQ(chmod(empty.c_str(), 0666), 0);
    record(empty, "bind_monitor", {bytes_of("x")});
    EXPECT_EQ(mode_of(empty), 0600) << "an empty file becomes a recording too";
}

TEST(Recording, ASymbolicLinkIsNotFollowed)
{
    winbpf::test::TempDir dir;
    const auto target = dir.path() / "target.rec";
    record(target, "bind_monitor", {bytes_of("kept")});
    ASSERT_EQ(chmod(target.c_str(), 0644), 0);
    const std::string before = read_all(target);
    const auto link = dir.path() / "link.rec";
    std::filesystem::create_symlink(target, link);
    EXPECT_EQ(error_of([&] { RecordingWriter(link.string(), "bind_monitor", 0); }),
              "recording " + link.string() + ": is a symbolic link: not following it (name the file itself)");
    EXPECT_EQ(read_all(target), before);
    EXPECT_EQ(mode_of(target), 0644) << "the link's target is left alone";

    const auto dangling = dir.path() / "dangling.rec";
    std::filesystem::create_symlink(dir.path() / "nothing", dangling);
    EXPECT_NE(error_of([&] { RecordingWriter(dangling.string(), "bind_monitor", 0); }).find("symbolic link"),
              std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "nothing")) << "nothing created through the link";
}

TEST(Recording, AFileThatIsNotARecordingIsNotOverwritten)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "notes.txt";
    write_all(path, "#!/bin/sh\necho hello\n");
    ASSERT_EQ(chmod(path.c_str(), 0644), 0);
    EXPECT_EQ(error_of([&] { RecordingWriter(path.string(), "bind_monitor", 0); }),
              "recording " + path.string() + ": exists and is not a winbpf recording: not overwriting it");
    EXPECT_EQ(read_all(path), "#!/bin/sh\necho hello\n");
    EXPECT_EQ(mode_of(path), 0644);
}

// --replay of the built monitors: no BPF, no privilege.

std::vector<std::byte> bind_record(BindOperation operation, std::uint16_t port)
{
    test::BindRecordSpec spec;
    spec.operation = operation;
    spec.port = port;
    return test::build_bind_record(spec);
}

std::size_t lines_of(const std::string &out)
{
    return static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
}

TEST(Replay, PrintsEveryRecordWithTheRecordingsClock)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "bind.rec";
    // 5.000123456 s after boot; boot at 2025-01-01T00:00:00Z.
    record(path, "bind_monitor", {bind_record(BindOperation::bind, 0), bind_record(BindOperation::post_bind, 4242)},
           1'735'689'600'000'000'000LL);
    const auto json = winbpf::test::run({BIND_MONITOR_PATH, "--json", "--replay", path.string()}, 30s);
    ASSERT_EQ(json.exit_code(), 0) << json.err;
    EXPECT_EQ(json.err, "bind_monitor: replayed 2 records, lost 0\n");
    ASSERT_EQ(lines_of(json.out), 2u) << json.out;
    EXPECT_NE(json.out.find("\"timestamp\":\"2025-01-01T00:00:05.000123Z\""), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"type\":\"post_bind\""), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"port\":4242"), std::string::npos) << json.out;

    const auto human = winbpf::test::run({BIND_MONITOR_PATH, "--replay", path.string()}, 30s);
    ASSERT_EQ(human.exit_code(), 0) << human.err;
    EXPECT_EQ(lines_of(human.out), 2u) << human.out;
    EXPECT_NE(human.out.find("Time:2025-01-01T00:00:05.000123Z"), std::string::npos) << human.out;
}

TEST(Replay, ADamagedRecordingPrintsItsCompleteRecordsThenFails)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "bind.rec";
    record(path, "bind_monitor",
           {bind_record(BindOperation::bind, 0), bind_record(BindOperation::post_bind, 80),
            bind_record(BindOperation::unbind, 80)});
    const std::string whole = read_all(path);
    write_all(path, whole.substr(0, whole.size() - 1));
    const auto result = winbpf::test::run({BIND_MONITOR_PATH, "--json", "--replay", path.string()}, 30s);
    EXPECT_EQ(result.exit_code(), 1);
    EXPECT_EQ(lines_of(result.out), 2u) << result.out;
    EXPECT_NE(result.err.find("bind_monitor: replayed 2 records, lost 0\n"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("bind_monitor: recording damaged: record 3 at byte "), std::string::npos) << result.err;
}

TEST(Replay, AMalformedRecordIsCountedLost)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "bind.rec";
    record(path, "bind_monitor", {bind_record(BindOperation::bind, 0), bytes_of("short")});
    const auto result = winbpf::test::run({BIND_MONITOR_PATH, "--json", "--replay", path.string()}, 30s);
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    // The event's line, then the loss in band (docs/fleet.md "Loss"): a JSON stream says it is incomplete.
    EXPECT_EQ(lines_of(result.out), 2u) << result.out;
    EXPECT_NE(result.out.find(R"({"type":"loss","schema_version":1,"tool":"bind_monitor")"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find(R"("stage":"consumer","reason":"malformed_record","count":1,"total":1})"),
              std::string::npos)
        << result.out;
    EXPECT_NE(result.err.find("bind_monitor: lost 1 events (total 1): malformed record"), std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("bind_monitor: replayed 2 records, lost 1\n"), std::string::npos) << result.err;
}

TEST(Replay, RefusesAnotherMonitorsRecordingAndRecordWithReplay)
{
    winbpf::test::TempDir dir;
    const auto path = dir.path() / "bind.rec";
    record(path, "bind_monitor", {bind_record(BindOperation::bind, 0)});
    const auto other = winbpf::test::run({PROCESS_MONITOR_PATH, "--replay", path.string()}, 30s);
    EXPECT_EQ(other.exit_code(), 1);
    EXPECT_EQ(other.out, "");
    EXPECT_EQ(other.err, "process_monitor: recording " + path.string() + " was made by bind_monitor, not by " +
                             "process_monitor\n");

    const auto both = winbpf::test::run(
        {BIND_MONITOR_PATH, "--replay", path.string(), "--record", (dir.path() / "again.rec").string()}, 30s);
    EXPECT_EQ(both.exit_code(), 1);
    EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "again.rec"));
}

} // namespace
} // namespace winbpf::monitor
