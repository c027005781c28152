// SPDX-License-Identifier: MIT
// End-to-end tests of the built process_monitor (root): real processes, real BPF programs.
#include "common/format.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/temp_dir.hpp"

#include "winbpf/unique_fd.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
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

using namespace std::chrono_literals;
using winbpf::test::Child;

constexpr auto event_timeout = test::monitor_event_timeout;
constexpr auto exit_timeout = test::monitor_exit_timeout;

std::string canonical(const char *path)
{
    char resolved[PATH_MAX];
    return realpath(path, resolved) ? resolved : path;
}

/// This process's argv joined by single spaces, as process_monitor shows command lines (/proc/self/cmdline).
std::string own_command_line()
{
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    while (!text.empty() && text.back() == '\0')
        text.pop_back();
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
}

/// A unique marker argument, so the test finds its own processes.
std::string marker(const char *what)
{
    static int counter = 0;
    return "winbpf-e2e-" + std::string(what) + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

/// process_monitor [--json] options..., started (wait_ready() tells when it is attached).
class Monitor : public test::MonitorProcess
{
  public:
    explicit Monitor(bool json, std::vector<std::string> options = {})
        : MonitorProcess(command(json, std::move(options)))
    {
    }

  private:
    static std::vector<std::string> command(bool json, std::vector<std::string> options)
    {
        if (json)
            options.insert(options.begin(), "--json");
        options.insert(options.begin(), PROCESS_MONITOR_PATH);
        return options;
    }
};

/// The JSON lines of out (complete lines only) of the given type and process id.
std::vector<nlohmann::json> json_events(const std::string &out, const char *type, pid_t pid)
{
    return test::json_lines(
        out, [&](const nlohmann::json &line) { return line["type"] == type && line["process_id"] == pid; });
}

/// process_monitor loads its programs: root, and none of them may stay loaded after it stopped.
class ProcessMonitorE2E : public winbpf::test::KernelTest
{
};

TEST_F(ProcessMonitorE2E, JsonCreateAndDeleteOfRealProcesses)
{
    Monitor monitor(true);
    ASSERT_TRUE(monitor.wait_ready());

    // 1. A test binary exiting with 7.
    const std::string exit_marker = marker("exit");
    const auto exit_run = test::run({EXIT_CHILD_PATH, "7", exit_marker}, event_timeout);
    ASSERT_TRUE(test::exited_with(exit_run.status, 7)) << test::describe_status(exit_run.status);
    const pid_t exit_pid = exit_run.pid;

    // 2. A shell (symlinked /bin/sh: the image is the link's target) killed by SIGTERM: exit code 128+15.
    const std::string sh_marker = marker("sh");
    const auto sh_run = test::run({"/bin/sh", "-c", "kill -TERM $$", sh_marker}, event_timeout);
    ASSERT_TRUE(test::killed_by(sh_run.status, SIGTERM)) << test::describe_status(sh_run.status);
    const pid_t sh_pid = sh_run.pid;

    // 3. A hostile argv: invalid UTF-8, an escape sequence, a non-BMP character.
    const std::string hostile = "bad\xff\xfe-\x1b[31m-\xf0\x9f\x98\x80-" + marker("hostile");
    const auto hostile_run = test::run({EXIT_CHILD_PATH, "0", hostile}, event_timeout);
    ASSERT_TRUE(hostile_run.status);
    const pid_t hostile_pid = hostile_run.pid;

    auto all_seen = [&] {
        for (pid_t pid : {exit_pid, sh_pid, hostile_pid})
            if (json_events(monitor.out(), "process_create", pid).empty() ||
                json_events(monitor.out(), "process_delete", pid).empty())
                return false;
        return true;
    };
    EXPECT_TRUE(monitor.read_until(all_seen)) << monitor.out();

    const auto exit_create = json_events(monitor.out(), "process_create", exit_pid);
    const auto exit_delete = json_events(monitor.out(), "process_delete", exit_pid);
    ASSERT_EQ(exit_create.size(), 1u);
    ASSERT_EQ(exit_delete.size(), 1u);
    const std::string exit_command = std::string(EXIT_CHILD_PATH) + " 7 " + exit_marker;
    for (const auto &event : {exit_create[0], exit_delete[0]}) {
        EXPECT_EQ(event["image_path"], canonical(EXIT_CHILD_PATH));
        EXPECT_EQ(event["command_line"], exit_command);
        EXPECT_EQ(event["parent_process_id"], getpid());
        EXPECT_EQ(event["token_sid"], "S-1-22-1-0");
        EXPECT_EQ(event["account_name"], "root");
        EXPECT_EQ(event["creation_time"], exit_create[0]["creation_time"]);
    }
    EXPECT_EQ(exit_delete[0]["process_exit_code"], 7);
    EXPECT_GE(exit_delete[0]["exit_time"].get<std::string>(), exit_create[0]["creation_time"].get<std::string>());

    const auto sh_create = json_events(monitor.out(), "process_create", sh_pid);
    const auto sh_delete = json_events(monitor.out(), "process_delete", sh_pid);
    ASSERT_EQ(sh_create.size(), 1u);
    ASSERT_EQ(sh_delete.size(), 1u);
    EXPECT_EQ(sh_create[0]["image_path"], canonical("/bin/sh"));
    EXPECT_EQ(sh_create[0]["command_line"], "/bin/sh -c kill -TERM $$ " + sh_marker);
    EXPECT_EQ(sh_delete[0]["command_line"], "/bin/sh -c kill -TERM $$ " + sh_marker);
    EXPECT_EQ(sh_delete[0]["process_exit_code"], 128 + SIGTERM);

    const auto hostile_create = json_events(monitor.out(), "process_create", hostile_pid);
    ASSERT_EQ(hostile_create.size(), 1u);
    const std::string replaced = "bad\xef\xbf\xbd\xef\xbf\xbd-\x1b[31m-\xf0\x9f\x98\x80-";
    EXPECT_EQ(
        hostile_create[0]["command_line"].get<std::string>().find(std::string(EXIT_CHILD_PATH) + " 0 " + replaced), 0u)
        << hostile_create[0]["command_line"];
    // The exact bytes beside the readable string (argv[1] of the hostile child is "bad\xff\xfe-...").
    std::string exact;
    append_base64(std::string(EXIT_CHILD_PATH) + " 0 " + hostile, exact);
    EXPECT_EQ(hostile_create[0].value("command_line_bytes", ""), exact) << "invalid UTF-8 needs command_line_bytes";
    EXPECT_FALSE(hostile_create[0].contains("image_path_bytes"));
    EXPECT_EQ(hostile_create[0]["command_line_truncated"], false);

    monitor.expect_clean_stop();
}

TEST_F(ProcessMonitorE2E, RecordingReplaysToTheSameLines)
{
    const test::TempDir dir;
    const std::string recording = (dir.path() / "process.rec").string();
    // An existing empty file of mode 0644: the recording (command lines) makes it owner-only (issue 23).
    std::ofstream(recording).close();
    ASSERT_EQ(chmod(recording.c_str(), 0644), 0);
    Monitor monitor(true, {"--record", recording});
    ASSERT_TRUE(monitor.wait_ready());
    const std::string hostile = "bad\xff-" + marker("replay");
    const auto child = test::run({EXIT_CHILD_PATH, "4", hostile}, event_timeout);
    ASSERT_TRUE(test::exited_with(child.status, 4));
    EXPECT_TRUE(monitor.read_until([&] { return !json_events(monitor.out(), "process_delete", child.pid).empty(); }))
        << monitor.out();
    const auto received = monitor.expect_clean_stop();
    ASSERT_TRUE(received);
    struct stat st {
    };
    ASSERT_EQ(stat(recording.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);

    const auto replay = test::run({PROCESS_MONITOR_PATH, "--json", "--replay", recording}, event_timeout);
    ASSERT_TRUE(test::exited_with(replay.status, 0)) << test::describe_status(replay.status) << replay.err;
    EXPECT_NE(replay.err.find("process_monitor: replayed " + std::to_string(*received) + " records, lost 0\n"),
              std::string::npos)
        << replay.err;
    // Line for line the same, but for the exits of processes that ran before the recording: live, their command line
    // came from /proc (read after attaching); their records do not carry it.
    std::vector<std::string> live, replayed;
    for (auto [out, lines] : {std::pair{&monitor.out(), &live}, std::pair{&replay.out, &replayed}}) {
        std::istringstream in(*out);
        for (std::string line; std::getline(in, line);)
            lines->push_back(line);
    }
    ASSERT_EQ(replayed.size(), live.size());
    std::set<std::uint64_t> created;
    for (std::size_t i = 0; i < live.size(); ++i) {
        const auto event = nlohmann::json::parse(live[i]);
        if (event["type"] == "process_create")
            created.insert(event["process_id"].get<std::uint64_t>());
        if (live[i] == replayed[i])
            continue;
        auto without_command_line = [](nlohmann::json json) {
            json.erase("command_line");
            json.erase("command_line_bytes");
            return json;
        };
        EXPECT_TRUE(event["type"] == "process_delete" && !created.contains(event["process_id"].get<std::uint64_t>()))
            << "live:   " << live[i] << "\nreplay: " << replayed[i];
        EXPECT_EQ(without_command_line(event), without_command_line(nlohmann::json::parse(replayed[i])));
    }
    EXPECT_EQ(json_events(replay.out, "process_create", child.pid).size(), 1u);
    EXPECT_EQ(json_events(replay.out, "process_delete", child.pid),
              json_events(monitor.out(), "process_delete", child.pid));
}

TEST_F(ProcessMonitorE2E, HumanLinesAreEscaped)
{
    Monitor monitor(false);
    ASSERT_TRUE(monitor.wait_ready());
    const std::string tag = marker("human");
    const std::string hostile = "\x1b]0;pwned\x07\\\xff" + tag;
    const auto child = test::run({EXIT_CHILD_PATH, "3", hostile}, event_timeout);
    ASSERT_TRUE(child.status);
    const pid_t pid = child.pid;

    const std::string command = std::string(EXIT_CHILD_PATH) + " 3 \\x1b]0;pwned\\x07\\\\\\xff" + tag;
    const std::string created = "Process created: PID:" + std::to_string(pid) + ", Image:\"" +
                                canonical(EXIT_CHILD_PATH) + "\", CommandLine:\"" + command +
                                "\", ParentPID:" + std::to_string(getpid()) + ", Create Time:";
    const std::string destroyed = "Process destroyed: PID:" + std::to_string(pid) + ", Image:\"" +
                                  canonical(EXIT_CHILD_PATH) + "\", CommandLine:\"" + command + "\", Exit Time:";
    EXPECT_TRUE(monitor.read_until([&] {
        const auto end = monitor.out().find(destroyed);
        return end != std::string::npos && monitor.out().find('\n', end) != std::string::npos;
    })) << monitor.out();
    EXPECT_NE(monitor.out().find(created), std::string::npos);
    std::smatch match;
    const std::string out = monitor.out();
    EXPECT_TRUE(std::regex_search(out, match,
                                  std::regex("Create Time:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                             "\\.[0-9]{6}Z\n")));
    EXPECT_TRUE(std::regex_search(out, match, std::regex(", Exit Time:[0-9T:.Z-]{27}, Exit Code:3\n")));
    EXPECT_EQ(out.find('\x1b'), std::string::npos);
    EXPECT_EQ(out.find('\x07'), std::string::npos);

    monitor.expect_clean_stop();
}

TEST_F(ProcessMonitorE2E, ImagePathDeeperThanPathMaxIsMarked)
{
    // 22 nested 200-character directories (> 4096 bytes): bash reaches them one `cd` at a time and runs a copy of
    // the test child by a relative name (no absolute path this long can be passed to exec; dash cannot cd there).
    test::TempDir root; // removes trees deeper than PATH_MAX too
    ASSERT_FALSE(root.path().empty());
    const std::string component(200, 'd');
    std::string script = "set -e; cd " + root.path().string();
    for (int i = 0; i < 22; ++i)
        script += "; mkdir " + component + "; cd " + component;
    const std::string tag = marker("deep");
    const std::string command = "./deep_child 0 " + tag;
    script += "; cp " + std::string(EXIT_CHILD_PATH) + " ./deep_child; " + command;

    Monitor monitor(true);
    ASSERT_TRUE(monitor.wait_ready());
    const auto status = test::run({"/bin/bash", "-c", script}, event_timeout).status;
    EXPECT_TRUE(test::exited_with(status, 0)) << test::describe_status(status);
    auto deep_create = [&] {
        const auto found = monitor.json_lines([&](const nlohmann::json &line) {
            return line["type"] == "process_create" && line["command_line"] == command;
        });
        return found.empty() ? nlohmann::json() : found.front();
    };
    EXPECT_TRUE(monitor.read_until([&] { return !deep_create().is_null(); })) << monitor.err();
    const std::string image = deep_create().value("image_path", "");
    EXPECT_EQ(image.rfind("...", 0), 0u) << image;
    EXPECT_EQ(deep_create()["image_path_truncated"], true);
    EXPECT_TRUE(image.ends_with("/" + component + "/deep_child")) << image;
    EXPECT_LE(image.size(), 4096u);
    monitor.expect_clean_stop();
}

// Issue 11: 12 arguments of 128 KiB (17 exceed ARG_MAX under an 8 MiB stack): the first 32 KiB of argv arrive, marked
// as cut in both formats; a 32 KiB argv arrives whole and unmarked.
TEST_F(ProcessMonitorE2E, LongCommandLinesAreDeliveredToTheCapAndMarked)
{
    const std::string tag = marker("long");
    const std::vector<std::string> huge = [&] {
        std::vector<std::string> argv{EXIT_CHILD_PATH, "0", tag};
        for (int i = 0; i < 12; ++i)
            argv.push_back(std::string(128 * 1024 - 1, static_cast<char>('a' + i)));
        return argv;
    }();
    // EXIT_CHILD_PATH NUL "0" NUL tag NUL filler NUL: exactly 32768 bytes.
    const std::size_t fixed = std::string(EXIT_CHILD_PATH).size() + 1 + 2 + tag.size() + 1;
    const std::vector<std::string> fits{EXIT_CHILD_PATH, "0", tag, std::string(32768 - fixed - 1, 'f')};
    const auto joined = [](const std::vector<std::string> &argv) {
        std::string text;
        for (const std::string &arg : argv)
            text += (text.empty() ? "" : " ") + arg;
        return text;
    };

    for (const bool json : {true, false}) {
        SCOPED_TRACE(json ? "json" : "human");
        Monitor monitor(json);
        ASSERT_TRUE(monitor.wait_ready());
        const auto huge_run = test::run(huge, event_timeout);
        ASSERT_TRUE(test::exited_with(huge_run.status, 0));
        const auto fits_run = test::run(fits, event_timeout);
        ASSERT_TRUE(test::exited_with(fits_run.status, 0));
        if (json) {
            EXPECT_TRUE(monitor.read_until([&] {
                return !json_events(monitor.out(), "process_delete", huge_run.pid).empty() &&
                       !json_events(monitor.out(), "process_delete", fits_run.pid).empty();
            }));
            for (const char *type : {"process_create", "process_delete"}) {
                const auto cut = json_events(monitor.out(), type, huge_run.pid);
                ASSERT_EQ(cut.size(), 1u);
                EXPECT_EQ(cut[0]["command_line_truncated"], true);
                const std::string command = cut[0]["command_line"];
                EXPECT_GE(command.size(), 32766u);
                EXPECT_EQ(joined(huge).rfind(command, 0), 0u) << "the start of argv";
                const auto whole = json_events(monitor.out(), type, fits_run.pid);
                ASSERT_EQ(whole.size(), 1u);
                EXPECT_EQ(whole[0]["command_line_truncated"], false);
                EXPECT_EQ(whole[0]["command_line"], joined(fits));
            }
        } else {
            const std::string cut_line = "Process created: PID:" + std::to_string(huge_run.pid) + ", ";
            const std::string whole = "CommandLine:\"" + joined(fits) + "\", ParentPID:";
            EXPECT_TRUE(monitor.read_until([&] {
                return monitor.out().find(cut_line) != std::string::npos &&
                       monitor.out().find(whole) != std::string::npos;
            }));
            const auto at = monitor.out().find(cut_line);
            ASSERT_NE(at, std::string::npos);
            const std::string line = monitor.out().substr(at, monitor.out().find('\n', at) - at);
            EXPECT_NE(line.find("\" (truncated), ParentPID:"), std::string::npos) << line.substr(0, 200);
        }
        monitor.expect_clean_stop();
    }
}

/// A process id no process uses now, well below pid_max (so clone3 may give it).
pid_t unused_pid()
{
    for (pid_t pid = 3000 + getpid() % 20000;; ++pid)
        if (kill(pid, 0) != 0 && errno == ESRCH)
            return pid;
}

// Issue 11: a reused pid never inherits an old process's image or command line. clone3's set_tid (the exact
// successor of writing /proc/sys/kernel/ns_last_pid, without its race with other forks) gives four processes in turn
// the same pid: one running before the monitor started (known from /proc only), an exec of monitor_exit_child, a fork
// that never execs (its DELETE brings only what the kernel still has), and an exec of /bin/sh.
TEST_F(ProcessMonitorE2E, ReusedPidNeverInheritsAnOldProcesssStrings)
{
    const pid_t pid = unused_pid();
    const std::string before_tag = marker("reuse-before"), exec_tag = marker("reuse-exec"), sh_tag = marker("reuse-sh");
    Child before = Child::spawn_at_pid({EXIT_CHILD_PATH, "sleep", before_tag}, pid);
    ASSERT_EQ(before.pid(), pid);

    Monitor monitor(true);
    ASSERT_TRUE(monitor.wait_ready());
    before.signal(SIGKILL);
    ASSERT_TRUE(before.wait(event_timeout));
    const auto deleted = [&](std::size_t count) {
        return [&monitor, pid, count] { return json_events(monitor.out(), "process_delete", pid).size() >= count; };
    };
    ASSERT_TRUE(monitor.read_until(deleted(1))) << monitor.out();

    Child exec = Child::spawn_at_pid({EXIT_CHILD_PATH, "0", exec_tag}, pid);
    ASSERT_TRUE(test::exited_with(exec.wait(event_timeout), 0));
    ASSERT_TRUE(monitor.read_until(deleted(2))) << monitor.out();

    Child fork_only = Child::spawn_at_pid({}, pid);
    ASSERT_TRUE(test::exited_with(fork_only.wait(event_timeout), 0));
    ASSERT_TRUE(monitor.read_until(deleted(3))) << monitor.out();

    Child sh = Child::spawn_at_pid({"/bin/sh", "-c", "exit 3", sh_tag}, pid);
    ASSERT_TRUE(test::exited_with(sh.wait(event_timeout), 3));
    ASSERT_TRUE(monitor.read_until(deleted(4))) << monitor.out();

    const auto creates = json_events(monitor.out(), "process_create", pid);
    const auto deletes = json_events(monitor.out(), "process_delete", pid);
    ASSERT_EQ(creates.size(), 2u);
    ASSERT_EQ(deletes.size(), 4u);
    const std::string exit_child = canonical(EXIT_CHILD_PATH);
    // 1. Running before the attach: its command line from /proc, its image from its DELETE.
    EXPECT_EQ(deletes[0]["command_line"], std::string(EXIT_CHILD_PATH) + " sleep " + before_tag);
    EXPECT_EQ(deletes[0]["image_path"], exit_child);
    // 2. The exec: its own strings at CREATE and DELETE.
    for (const auto &event : {creates[0], deletes[1]}) {
        EXPECT_EQ(event["command_line"], std::string(EXIT_CHILD_PATH) + " 0 " + exec_tag);
        EXPECT_EQ(event["image_path"], exit_child);
    }
    // 3. The fork of this test that never exec'd: this test's image and argv (what it ran), none of its predecessors'.
    EXPECT_EQ(deletes[2]["image_path"], canonical("/proc/self/exe"));
    EXPECT_EQ(deletes[2]["command_line"], own_command_line());
    for (std::size_t i = 0; i < deletes.size(); ++i)
        EXPECT_EQ(deletes[i]["never_executed"], i == 2) << deletes[i];
    // 4. The shell: its own strings.
    for (const auto &event : {creates[1], deletes[3]}) {
        EXPECT_EQ(event["command_line"], "/bin/sh -c exit 3 " + sh_tag);
        EXPECT_EQ(event["image_path"], canonical("/bin/sh"));
    }
    EXPECT_EQ(deletes[3]["process_exit_code"], 3);
    for (std::size_t i = 1; i < deletes.size(); ++i)
        EXPECT_NE(deletes[i]["creation_time"], deletes[i - 1]["creation_time"]);
    monitor.expect_clean_stop();
}

// Issue 23: a child that forks without exec exits running its parent's image with its parent's argv; its DELETE shows
// them (it showed an empty command line) and says in the JSON that it never exec'd. So does its own fork.
TEST_F(ProcessMonitorE2E, ForkWithoutExecShowsTheImageAndArgvItRan)
{
    Monitor monitor(true);
    ASSERT_TRUE(monitor.wait_ready());
    int pipe_fds[2];
    ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd from_child(pipe_fds[0]), to_parent(pipe_fds[1]);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) { // no exec; a grandchild that does not exec either, then exit 5 (it tells the grandchild's pid)
        const pid_t grandchild = fork();
        if (grandchild == 0)
            _exit(6);
        if (grandchild > 0)
            waitpid(grandchild, nullptr, 0);
        const int id = grandchild;
        _exit(write(to_parent.get(), &id, sizeof id) == sizeof id ? 5 : 1);
    }
    to_parent.reset();
    int grandchild = 0;
    const bool got_grandchild = read(from_child.get(), &grandchild, sizeof grandchild) == sizeof grandchild;
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(test::exited_with(status, 5)) << test::describe_status(status);
    ASSERT_TRUE(got_grandchild);
    const auto exec_run = test::run({EXIT_CHILD_PATH, "0", marker("exec")}, event_timeout);
    ASSERT_TRUE(test::exited_with(exec_run.status, 0));

    EXPECT_TRUE(monitor.read_until([&] {
        return !json_events(monitor.out(), "process_delete", child).empty() &&
               !json_events(monitor.out(), "process_delete", grandchild).empty() &&
               !json_events(monitor.out(), "process_delete", exec_run.pid).empty();
    })) << monitor.out();
    const std::string image = canonical("/proc/self/exe");
    const std::string command = own_command_line();
    for (const auto &[pid, code] : {std::pair{pid_t{child}, 5}, std::pair{pid_t{grandchild}, 6}}) {
        const auto deletes = json_events(monitor.out(), "process_delete", pid);
        ASSERT_EQ(deletes.size(), 1u) << pid;
        EXPECT_EQ(deletes[0]["image_path"], image);
        EXPECT_EQ(deletes[0]["command_line"], command);
        EXPECT_EQ(deletes[0]["command_line_truncated"], false);
        EXPECT_EQ(deletes[0]["never_executed"], true);
        EXPECT_EQ(deletes[0]["process_exit_code"], code);
        EXPECT_TRUE(json_events(monitor.out(), "process_create", pid).empty()) << "no exec, no CREATE";
    }
    const auto exec_delete = json_events(monitor.out(), "process_delete", exec_run.pid);
    ASSERT_EQ(exec_delete.size(), 1u);
    EXPECT_EQ(exec_delete[0]["never_executed"], false);
    monitor.expect_clean_stop();
}

// Issue 23: a shell's subshell is a fork that never execs; with an argv over the 32 KiB cap, its DELETE shows the start
// of the shell's argv, marked as cut, and never_executed.
TEST_F(ProcessMonitorE2E, SubshellOfALongCommandLineIsCutAndMarked)
{
    Monitor monitor(true);
    ASSERT_TRUE(monitor.wait_ready());
    std::vector<std::string> argv{"/bin/sh", "-c", "(exit 3); exit 0", marker("subshell")};
    for (int i = 0; i < 3; ++i)
        argv.push_back(std::string(128 * 1024 - 1, static_cast<char>('a' + i)));
    const auto shell = test::run(argv, event_timeout);
    ASSERT_TRUE(test::exited_with(shell.status, 0)) << test::describe_status(shell.status);
    const auto subshell = [&] {
        return monitor.json_lines([&](const nlohmann::json &line) {
            return line["type"] == "process_delete" && line["parent_process_id"] == shell.pid;
        });
    };
    EXPECT_TRUE(monitor.read_until([&] { return !subshell().empty(); })) << monitor.err();
    ASSERT_EQ(subshell().size(), 1u);
    const nlohmann::json line = subshell().front();
    EXPECT_EQ(line["process_exit_code"], 3);
    EXPECT_EQ(line["never_executed"], true);
    EXPECT_EQ(line["image_path"], canonical("/bin/sh"));
    EXPECT_EQ(line["command_line_truncated"], true);
    const std::string command = line["command_line"];
    EXPECT_GE(command.size(), 32766u);
    std::string joined;
    for (const std::string &arg : argv)
        joined += (joined.empty() ? "" : " ") + arg;
    EXPECT_EQ(joined.rfind(command, 0), 0u) << "the start of the shell's argv";
    monitor.expect_clean_stop();
}

// Issue 23: process_monitor's first line was its own probe child (a fork that checks what works without capabilities,
// made after attaching): no event of the monitor's own making shows.
TEST_F(ProcessMonitorE2E, ShowsNoProcessOfItsOwn)
{
    for (const bool json : {true, false}) {
        SCOPED_TRACE(json ? "json" : "human");
        Monitor monitor(json);
        ASSERT_TRUE(monitor.wait_ready());
        const std::string tag = marker("own");
        const auto run = test::run({EXIT_CHILD_PATH, "0", tag}, event_timeout);
        ASSERT_TRUE(test::exited_with(run.status, 0));
        EXPECT_TRUE(monitor.read_until([&] {
            if (json)
                return !json_events(monitor.out(), "process_delete", run.pid).empty();
            const auto at = monitor.out().find("Process destroyed: PID:" + std::to_string(run.pid) + ",");
            return at != std::string::npos && monitor.out().find('\n', at) != std::string::npos;
        })) << monitor.out();
        monitor.expect_clean_stop();
        // The monitor's processes run its image (no other process_monitor of this build runs meanwhile).
        const std::string own_image = canonical(PROCESS_MONITOR_PATH);
        if (json) {
            for (const auto &line : monitor.json_lines())
                EXPECT_NE(line["image_path"], own_image) << line;
        } else {
            EXPECT_EQ(monitor.out().find("Image:\"" + own_image + "\""), std::string::npos) << monitor.out();
        }
    }
}

// Issue 23: `process_monitor >&-` says that stdout is closed, before it loads anything (it said "writing to stdout:
// Invalid argument" after attaching: its BPF object had taken descriptor 1).
TEST_F(ProcessMonitorE2E, ClosedStdoutIsSaidBeforeLoading)
{
    const auto result = test::run({"/bin/sh", "-c", "exec \"$0\" >&-", PROCESS_MONITOR_PATH}, exit_timeout);
    EXPECT_EQ(result.exit_code(), 1) << test::describe_status(result.status);
    EXPECT_EQ(result.err,
              "process_monitor: stdout is closed: it writes its lines there (redirect it to a file or /dev/null)\n");
}

TEST_F(ProcessMonitorE2E, RefusesToRunWithoutItsCapabilities)
{
    Child monitor = Child::spawn({PROCESS_MONITOR_PATH}, test::Output::capture, 65534);
    const auto status = monitor.wait(exit_timeout);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 1);
    EXPECT_NE(monitor.err().find("process_monitor: needs CAP_BPF, CAP_PERFMON to load and attach its BPF programs "
                                 "(missing: CAP_BPF, CAP_PERFMON)"),
              std::string::npos)
        << monitor.err();
}

TEST(ProcessMonitorCli, Help)
{
    Child monitor = Child::spawn({PROCESS_MONITOR_PATH, "--help"}, test::Output::capture);
    const auto status = monitor.wait(exit_timeout);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 0);
    EXPECT_NE(monitor.out().find("--json"), std::string::npos) << monitor.out();
}

} // namespace
} // namespace winbpf::monitor
