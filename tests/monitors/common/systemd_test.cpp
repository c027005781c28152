// SPDX-License-Identifier: MIT
// The monitors as systemd services (root): the sd_notify protocol as systemd speaks it (a NOTIFY_SOCKET datagram
// socket of the test), and what `cmake --install` lays down: units that `systemd-analyze verify` and `systemd-analyze
// security --offline` accept, options files, and a winbpf-cc that compiles a Windows-style program with the installed
// shim. This machine does not run systemd as PID 1, so no unit is started here.
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/temp_dir.hpp"

#include "winbpf/unique_fd.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <regex>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>

#if !defined(PROCESS_MONITOR_PATH) || !defined(WINBPF_BUILD_DIR) || !defined(WINBPF_SOURCE_DIR)
#error PROCESS_MONITOR_PATH, WINBPF_BUILD_DIR and WINBPF_SOURCE_DIR must be defined
#endif

namespace winbpf::monitor
{
namespace
{

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// A datagram socket bound at path, as systemd's notify socket is.
UniqueFd notify_socket(const fs::path &path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    EXPECT_TRUE(fd);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address), 0) << path;
    return fd;
}

/// The next datagram on fd within timeout ("" when none came).
std::string receive(const UniqueFd &fd, std::chrono::milliseconds timeout)
{
    pollfd ready{fd.get(), POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1)
        return {};
    char buffer[4096];
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

class SystemdNotify : public test::KernelTest
{
};

TEST_F(SystemdNotify, ReadyOnceAttachedAndStoppingOnStop)
{
    const test::TempDir dir;
    const fs::path path = dir.path() / "notify";
    const UniqueFd socket = notify_socket(path);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    test::MonitorProcess monitor({PROCESS_MONITOR_PATH, "--output", "file:" + (dir.path() / "p.json").string()});
    ::unsetenv("NOTIFY_SOCKET");
    const std::string ready = receive(socket, test::monitor_startup_timeout);
    EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
    // READY=1 comes once attached: "Press Ctrl-C to stop" is already on stderr.
    ASSERT_TRUE(monitor.wait_ready(5s));
    // A process of the test's own, so the monitor has events to deliver (it shows none of its own helpers).
    ASSERT_TRUE(test::exited_with(test::run({"/bin/true"}, 10s).status, 0));
    EXPECT_EQ(receive(socket, 500ms), "") << "nothing more while it runs";
    monitor.signal(SIGTERM);
    const std::string stopping = receive(socket, 10s);
    EXPECT_NE(stopping.find("STOPPING=1"), std::string::npos) << stopping;
    monitor.expect_clean_stop();
}

/// DESTDIR=<temp> cmake --install of this build: what a package or `sudo cmake --install build` lays down.
class Installed : public ::testing::Test
{
  protected:
    static void SetUpTestSuite()
    {
        root = new test::TempDir;
        const auto result = test::run(
            {"/usr/bin/env", "DESTDIR=" + root->path().string(), "cmake", "--install", WINBPF_BUILD_DIR}, 120s);
        install_ok = test::exited_with(result.status, 0);
        install_log = result.out + result.err;
    }
    static void TearDownTestSuite()
    {
        delete root;
        root = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(install_ok) << install_log; }

    static fs::path at(const std::string &path) { return root->path() / fs::path(path).relative_path(); }

    static inline test::TempDir *root = nullptr;
    static inline bool install_ok = false;
    static inline std::string install_log;
};

constexpr const char *units[] = {"winbpf-process-monitor.service", "winbpf-bind-monitor.service",
                                 "winbpf-netevent-monitor.service"};

TEST_F(Installed, UnitsPassSystemdAnalyzeVerifyAndSecurity)
{
    for (const char *unit : units) {
        const fs::path installed = at("/usr/local/lib/systemd/system/" + std::string(unit));
        ASSERT_TRUE(fs::exists(installed)) << installed << "\n" << install_log;
        std::ifstream in(installed);
        std::stringstream text;
        text << in.rdbuf();
        const std::string content = text.str();
        for (const char *setting : {"Type=notify", "Restart=on-failure", "StartLimitBurst=", "NoNewPrivileges=yes",
                                    "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "UMask=0077",
                                    "LogsDirectory=winbpf", "EnvironmentFile=-/etc/winbpf/"})
            EXPECT_NE(content.find(setting), std::string::npos) << unit << " lacks " << setting;
        // The monitor's capabilities and no more (its README; least_privilege_test checks it starts with them).
        const std::string caps = std::string(unit) == "winbpf-bind-monitor.service"
                                     ? "CAP_BPF CAP_PERFMON CAP_NET_ADMIN\n"
                                     : "CAP_BPF CAP_PERFMON\n";
        EXPECT_NE(content.find("CapabilityBoundingSet=" + caps), std::string::npos) << content;
        EXPECT_NE(content.find("AmbientCapabilities=" + caps), std::string::npos) << content;

        // verify checks that ExecStart's binary is there and executable: point it at the installed one.
        const fs::path copy = root->path() / unit;
        std::ofstream(copy) << std::regex_replace(content, std::regex("ExecStart=/usr/local/bin/"),
                                                  "ExecStart=" + at("/usr/local/bin/").string());
        const auto verify = test::run({"/usr/bin/systemd-analyze", "verify", copy.string()}, 60s);
        EXPECT_TRUE(test::exited_with(verify.status, 0)) << unit << ":\n" << verify.out << verify.err;
        EXPECT_EQ(verify.err, "") << unit;

        const auto security = test::run(
            {"/usr/bin/systemd-analyze", "security", "--offline=yes", "--threshold=25", installed.string()}, 60s);
        EXPECT_TRUE(test::exited_with(security.status, 0)) << unit << ":\n" << security.out << security.err;
        std::smatch score;
        const std::string out = security.out;
        ASSERT_TRUE(std::regex_search(out, score, std::regex("Overall exposure level for [^:]+: ([0-9.]+)"))) << out;
        EXPECT_LE(std::stod(score[1]), 2.5) << unit;
        std::printf("%s: exposure %s\n", unit, score[1].str().c_str());
    }
}

TEST_F(Installed, OptionsFilesAndTheCompilerForWindowsStylePrograms)
{
    for (const char *tool : {"process_monitor", "bind_monitor", "netevent_monitor"}) {
        const fs::path env = at("/etc/winbpf/" + std::string(tool) + ".env");
        ASSERT_TRUE(fs::exists(env)) << env;
        EXPECT_EQ(fs::status(env).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
        EXPECT_TRUE(fs::exists(at("/usr/local/bin/" + std::string(tool))));
    }
    for (const char *file :
         {"/usr/local/share/winbpf/Makefile.bpf", "/usr/local/share/winbpf/shim/include/bpf_helpers.h",
          "/usr/local/share/winbpf/build/include/vmlinux.h", "/usr/local/share/winbpf/build/bin/winbpf-glue",
          "/usr/local/bin/winbpf-cc", "/usr/local/share/doc/winbpf/fleet.md"})
        EXPECT_TRUE(fs::exists(at(file))) << file;

    // winbpf-cc of the installed tree compiles a Windows-style program from the source tree into a libbpf object. It
    // names its Makefile.bpf by the configured prefix, so run the installed copy's make line with that tree.
    const test::TempDir out;
    const fs::path object = out.path() / "droppacket.o";
    const auto compiled =
        test::run({"/usr/bin/make", "--no-print-directory", "-f", at("/usr/local/share/winbpf/Makefile.bpf").string(),
                   "SRC=" + std::string(WINBPF_SOURCE_DIR) + "/bpf/droppacket.c", "OUT=" + object.string()},
                  300s);
    EXPECT_TRUE(test::exited_with(compiled.status, 0)) << compiled.out << compiled.err;
    EXPECT_TRUE(fs::exists(object));
    std::ifstream cc(at("/usr/local/bin/winbpf-cc"));
    std::stringstream script;
    script << cc.rdbuf();
    EXPECT_NE(script.str().find("-f \"/usr/local/share/winbpf/Makefile.bpf\""), std::string::npos) << script.str();
}

// winbpf, a man page per tool (roff: the page's title line) and winbpf's bash completion where bash-completion looks.
TEST_F(Installed, WinbpfManPagesAndBashCompletion)
{
    EXPECT_TRUE(fs::exists(at("/usr/local/bin/winbpf")));
    for (const std::string tool :
         {"winbpf", "process_monitor", "bind_monitor", "netevent_monitor", "connection_monitor"}) {
        std::ifstream page(at("/usr/local/share/man/man8/" + tool + ".8"));
        ASSERT_TRUE(page) << tool << ".8\n" << install_log;
        std::stringstream text;
        text << page.rdbuf();
        std::string title = tool;
        for (char &c : title)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        EXPECT_NE(text.str().find(".TH \"" + title + "\" \"8\""), std::string::npos) << text.str().substr(0, 300);
    }
    std::ifstream completion(at("/usr/local/share/bash-completion/completions/winbpf"));
    std::stringstream text;
    text << completion.rdbuf();
    EXPECT_NE(text.str().find("complete -F _winbpf winbpf"), std::string::npos);
}

} // namespace
} // namespace winbpf::monitor
