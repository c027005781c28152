// SPDX-License-Identifier: MIT
// End-to-end tests of --output file:PATH (root): the built process_monitor writing real processes' events to rotated
// files, reopening them on SIGUSR1, and counting what an unwritable directory costs.
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#ifndef PROCESS_MONITOR_PATH
#error PROCESS_MONITOR_PATH must name the built process_monitor
#endif
#ifndef EXIT_CHILD_PATH
#error EXIT_CHILD_PATH must name the built monitor_exit_child
#endif

namespace winbpf::monitor
{
namespace
{

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// A marker argument unique to this test run, so the test finds its own processes among the machine's.
std::string marker(const char *what)
{
    return "winbpf-output-" + std::string(what) + "-" + std::to_string(getpid());
}

/// Runs count children (monitor_exit_child 0 <marker>-<i>), each to its exit.
void run_children(const std::string &mark, unsigned count)
{
    for (unsigned i = 0; i < count; ++i) {
        const auto child = test::run({EXIT_CHILD_PATH, "0", mark + "-" + std::to_string(i)}, 10s);
        ASSERT_TRUE(test::exited_with(child.status, 0)) << test::describe_status(child.status);
    }
}

/// The output files of base (base, base.1, base.2, ... that exist), oldest first.
std::vector<fs::path> output_files(const fs::path &base)
{
    std::vector<fs::path> files;
    for (unsigned n = 1; fs::exists(base.string() + "." + std::to_string(n)); ++n)
        files.insert(files.begin(), base.string() + "." + std::to_string(n));
    if (fs::exists(base))
        files.push_back(base);
    return files;
}

/// Every line of the files (each must be one JSON object).
std::vector<nlohmann::json> lines_of(const std::vector<fs::path> &files)
{
    std::vector<nlohmann::json> lines;
    for (const auto &file : files) {
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);) {
            const auto json = nlohmann::json::parse(line, nullptr, false);
            EXPECT_FALSE(json.is_discarded()) << file << ": not one JSON line: " << line;
            if (!json.is_discarded())
                lines.push_back(json);
        }
    }
    return lines;
}

/// Events of the lines whose command line starts with mark, of the given type.
std::size_t marked(const std::vector<nlohmann::json> &lines, const char *type, const std::string &mark)
{
    std::size_t count = 0;
    for (const auto &line : lines)
        if (line["type"] == type && line.value("command_line", "").find(mark) != std::string::npos)
            ++count;
    return count;
}

/// N of "<pattern prefix>N..." in text, matched with a regex whose first group is N; nullopt when missing.
std::optional<unsigned long long> number_after(const std::string &text, const std::string &pattern)
{
    std::smatch match;
    if (!std::regex_search(text, match, std::regex(pattern)))
        return std::nullopt;
    return std::stoull(match[1]);
}

/// process_monitor loads its programs: root, and none of them may stay loaded after it stopped.
class FileOutputE2E : public winbpf::test::KernelTest
{
};

TEST_F(FileOutputE2E, RotatedFilesHoldEveryEventReceivedOnceAndWhole)
{
    const test::TempDir dir;
    const fs::path base = dir.path() / "process.json";
    // 20 kB files: ~40 events each, so the 300 events of the children alone fill several.
    test::MonitorProcess monitor({PROCESS_MONITOR_PATH, "--output", "file:" + base.string(), "--output-max-size",
                                  "0.02", "--output-max-files", "1000"});
    ASSERT_TRUE(monitor.wait_ready());
    const std::string mark = marker("rotate");
    run_children(mark, 150);
    EXPECT_TRUE(
        monitor.read_until([&] { return marked(lines_of(output_files(base)), "process_delete", mark) == 150; }, 30s))
        << marked(lines_of(output_files(base)), "process_delete", mark);
    const auto received = monitor.expect_clean_stop();
    ASSERT_TRUE(received);
    EXPECT_TRUE(monitor.out().empty()) << "stdout is not an output: " << monitor.out().substr(0, 200);

    const auto files = output_files(base);
    EXPECT_GE(files.size(), 5u) << "rotated at 20 kB";
    std::size_t events = 0;
    std::set<std::string> seen; // every event once: (type, pid, time) is unique
    for (const auto &file : files) {
        struct stat st {
        };
        ASSERT_EQ(::stat(file.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
        EXPECT_LE(st.st_size, 20'000) << file;
        const auto lines = lines_of({file});
        ASSERT_FALSE(lines.empty()) << file;
        EXPECT_EQ(lines.front()["type"], "stream") << file;
        EXPECT_EQ(lines.front()["tool"], "process_monitor");
        EXPECT_EQ(lines.front()["schema_version"], 1);
        for (const auto &line : lines) {
            if (line["type"] != "process_create" && line["type"] != "process_delete")
                continue;
            ++events;
            const auto key = line["type"].get<std::string>() + " " + line["process_id"].dump() + " " +
                             line["timestamp"].get<std::string>();
            EXPECT_TRUE(seen.insert(key).second) << "twice: " << key;
        }
    }
    EXPECT_EQ(events, *received) << "count across all files equals received";
    const auto delivered =
        number_after(monitor.err(), "process_monitor: output file:" + base.string() + ": delivered ([0-9]+), lost 0\n");
    ASSERT_TRUE(delivered) << monitor.err();
    EXPECT_EQ(*delivered, *received);
    const auto all = lines_of(files);
    EXPECT_EQ(marked(all, "process_create", mark), 150u);
    EXPECT_EQ(marked(all, "process_delete", mark), 150u);
}

TEST_F(FileOutputE2E, Sigusr1ReopensTheFileAfterAnExternalRename)
{
    const test::TempDir dir;
    const fs::path base = dir.path() / "process.json";
    const fs::path moved = dir.path() / "process.json.rotated-by-logrotate";
    test::MonitorProcess monitor({PROCESS_MONITOR_PATH, "--output", "file:" + base.string()});
    ASSERT_TRUE(monitor.wait_ready());
    const std::string before = marker("before");
    run_children(before, 3);
    EXPECT_TRUE(monitor.read_until([&] { return marked(lines_of({base}), "process_delete", before) == 3; }));
    fs::rename(base, moved);
    monitor.signal(SIGUSR1);
    EXPECT_TRUE(monitor.read_until([&] { return fs::exists(base); })) << "SIGUSR1 made no new file";
    const std::string after = marker("after");
    run_children(after, 3);
    EXPECT_TRUE(monitor.read_until([&] { return marked(lines_of({base}), "process_delete", after) == 3; }));
    monitor.expect_clean_stop();

    const auto old_lines = lines_of({moved});
    const auto new_lines = lines_of({base});
    EXPECT_EQ(marked(old_lines, "process_create", before), 3u);
    EXPECT_EQ(marked(old_lines, "process_create", after), 0u);
    EXPECT_EQ(marked(new_lines, "process_create", after), 3u);
    EXPECT_EQ(marked(new_lines, "process_create", before), 0u);
    ASSERT_FALSE(new_lines.empty());
    EXPECT_EQ(new_lines.front()["type"], "stream");
}

TEST_F(FileOutputE2E, UnwritableDirectoryIsAClearErrorAndACountedLoss)
{
    const test::TempDir dir;
    const fs::path locked = dir.path() / "locked";
    fs::create_directory(locked);
    // Owned by root, not writable by its owner: the monitor keeps no CAP_DAC_OVERRIDE (only CAP_BPF, CAP_PERFMON).
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    const fs::path base = locked / "process.json";
    test::MonitorProcess monitor({PROCESS_MONITOR_PATH, "--output", "file:" + base.string(), "--output", "stdout"});
    ASSERT_TRUE(monitor.wait_ready());
    EXPECT_NE(monitor.err().find("process_monitor: output file:" + base.string() +
                                 ": cannot open: Permission denied (its events are counted as lost until it works "
                                 "again)\n"),
              std::string::npos)
        << monitor.err();
    const std::string lost_mark = marker("lost");
    run_children(lost_mark, 5);
    EXPECT_TRUE(monitor.read_until([&] { return marked(monitor.json_lines(), "process_delete", lost_mark) == 5; }))
        << "stdout still gets every event";

    // Writable again: the next batch opens it, and the file begins with the loss of what came before.
    fs::permissions(locked, fs::perms::owner_all);
    std::this_thread::sleep_for(1100ms); // opens are tried at most once a second
    const std::string kept_mark = marker("kept");
    run_children(kept_mark, 5);
    EXPECT_TRUE(monitor.read_until([&] { return marked(lines_of({base}), "process_delete", kept_mark) == 5; }, 20s));
    const auto received = monitor.expect_clean_stop();
    ASSERT_TRUE(received);

    const auto delivered = number_after(monitor.err(), "output file:" + base.string() + ": delivered ([0-9]+), lost");
    const auto lost = number_after(monitor.err(), "output file:" + base.string() + ": delivered [0-9]+, lost ([0-9]+)");
    ASSERT_TRUE(delivered && lost) << monitor.err();
    EXPECT_GE(*lost, 10u) << "at least the 5 children's creates and deletes";
    EXPECT_EQ(*delivered + *lost, *received) << monitor.err();
    EXPECT_NE(monitor.err().find("process_monitor: output file:" + base.string() + ": writing again (lost "),
              std::string::npos)
        << monitor.err();

    const auto lines = lines_of({base});
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(lines[0]["type"], "stream");
    EXPECT_EQ(lines[1]["type"], "loss");
    EXPECT_EQ(lines[1]["stage"], "output");
    EXPECT_EQ(lines[1]["reason"], "open_error");
    EXPECT_EQ(lines[1]["count"], *lost) << "the loss record counts every event lost";
    EXPECT_EQ(marked(lines, "process_create", lost_mark), 0u);
    EXPECT_EQ(marked(lines, "process_create", kept_mark), 5u);
    std::size_t events = 0;
    for (const auto &line : lines)
        events += line["type"] == "process_create" || line["type"] == "process_delete";
    EXPECT_EQ(events, *delivered);
}

} // namespace
} // namespace winbpf::monitor
