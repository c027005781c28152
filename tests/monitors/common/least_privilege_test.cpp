// SPDX-License-Identifier: MIT
// Issue 11, least privilege: every monitor starts as a non-root user holding only the capabilities it documents,
// holds none once attached (CapEff, CapPrm, CapInh, CapAmb 0, NoNewPrivs 1) and keeps delivering events; as root it
// drops them too; without one of them it refuses with a message that names it.
#include "common/recording.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <linux/capability.h>
#include <map>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PROCESS_MONITOR_PATH
#error PROCESS_MONITOR_PATH, BIND_MONITOR_PATH, NETEVENT_MONITOR_PATH and EXIT_CHILD_PATH must name the built tools
#endif

namespace winbpf::monitor
{
namespace
{

using namespace std::chrono_literals;
using test::Child;

constexpr uid_t nobody = 65534;

/// A monitor, the capabilities its README documents, and a way to make it print a line.
struct MonitorCase {
    const char *name;
    const char *path;
    std::vector<int> capabilities;
    /// Causes one event; returns a string its line contains.
    std::function<std::string()> trigger;
};

std::vector<MonitorCase> monitors()
{
    return {
        {"process_monitor",
         PROCESS_MONITOR_PATH,
         {CAP_BPF, CAP_PERFMON},
         [] {
             const std::string tag = "winbpf-privilege-" + std::to_string(getpid());
             const auto result = test::run({EXIT_CHILD_PATH, "0", tag}, 10s);
             EXPECT_TRUE(test::exited_with(result.status, 0));
             return tag;
         }},
        {"bind_monitor",
         BIND_MONITOR_PATH,
         {CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN},
         [] {
             test::Socket socket(test::Family::v4, test::Protocol::tcp);
             EXPECT_EQ(socket.bind(0), 0);
             return "Address:127.0.0.1:" + std::to_string(socket.local_port()) + ", ";
         }},
        {"netevent_monitor",
         NETEVENT_MONITOR_PATH,
         {CAP_BPF, CAP_PERFMON},
         [] {
             // A datagram to a closed loopback port: dropped with NO_SOCKET.
             const std::uint16_t port = test::free_port(test::Family::v4, test::Protocol::udp);
             test::Socket socket(test::Family::v4, test::Protocol::udp);
             const sockaddr_in to = test::loopback_v4(port);
             EXPECT_EQ(sendto(socket.fd(), "x", 1, 0, reinterpret_cast<const sockaddr *>(&to), sizeof(to)), 1);
             return std::to_string(port);
         }},
    };
}

/// The Cap* and NoNewPrivs lines of /proc/PID/status.
std::map<std::string, std::string> privileges_of(pid_t pid)
{
    std::map<std::string, std::string> found;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        const auto colon = line.find(':');
        const std::string key = line.substr(0, colon);
        if (key.starts_with("Cap") || key == "NoNewPrivs")
            found[key] = line.substr(line.find_first_not_of(" \t", colon + 1));
    }
    return found;
}

class LeastPrivilege : public test::KernelTest
{
  protected:
    /// A copy of each monitor in a directory any user may enter (the build tree may not be).
    std::string copy_for_anyone(const char *path)
    {
        std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                      std::filesystem::perms::group_exec |
                                                      std::filesystem::perms::others_exec);
        const auto copy = dir_.path() / std::filesystem::path(path).filename();
        std::filesystem::copy_file(path, copy, std::filesystem::copy_options::overwrite_existing);
        std::filesystem::permissions(copy, std::filesystem::perms::all & ~std::filesystem::perms::group_write &
                                               ~std::filesystem::perms::others_write);
        return copy.string();
    }

    /// Starts the monitor (as uid with exactly caps, or as this root process), checks it holds nothing once ready and
    /// that it still prints an event, then stops it cleanly.
    void run_and_check(const MonitorCase &monitor, std::optional<uid_t> uid)
    {
        const std::string path = copy_for_anyone(monitor.path);
        Child child = uid ? Child::spawn_with_capabilities({path}, test::Output::capture, *uid, monitor.capabilities)
                          : Child::spawn({path}, test::Output::capture);
        ASSERT_TRUE(
            child.read_until([&] { return child.err().find("Press Ctrl-C to stop\n") != std::string::npos; }, 60s))
            << child.err();
        const auto held = privileges_of(child.pid());
        for (const char *key : {"CapEff", "CapPrm", "CapInh", "CapAmb"})
            EXPECT_EQ(held.count(key) ? held.at(key) : "", "0000000000000000") << key;
        EXPECT_EQ(held.count("NoNewPrivs") ? held.at("NoNewPrivs") : "", "1");

        const std::string expected = monitor.trigger();
        EXPECT_TRUE(child.read_until([&] { return child.out().find(expected) != std::string::npos; }, 10s))
            << "no line with " << expected << "; stderr:\n"
            << child.err();

        child.signal(SIGINT);
        const auto status = child.wait(20s);
        EXPECT_TRUE(test::exited_with(status, 0)) << test::describe_status(status) << "\n" << child.err();
        std::smatch match;
        EXPECT_TRUE(std::regex_search(child.err(), match,
                                      std::regex(std::string(monitor.name) + ": received [1-9][0-9]*, lost 0\n")))
            << child.err();
    }

  private:
    test::TempDir dir_;
};

TEST_F(LeastPrivilege, NonRootUserWithTheDocumentedCapabilitiesRunsAndHoldsNoneOnceAttached)
{
    for (const MonitorCase &monitor : monitors()) {
        SCOPED_TRACE(monitor.name);
        run_and_check(monitor, nobody);
    }
}

TEST_F(LeastPrivilege, RootDropsEveryCapabilityOnceAttached)
{
    for (const MonitorCase &monitor : monitors()) {
        SCOPED_TRACE(monitor.name);
        run_and_check(monitor, std::nullopt);
    }
}

TEST_F(LeastPrivilege, ReplayNeedsNoCapability)
{
    for (const MonitorCase &monitor : monitors()) {
        SCOPED_TRACE(monitor.name);
        const std::string path = copy_for_anyone(monitor.path);
        const std::string recording = path + ".rec";
        RecordingWriter(recording, monitor.name, 0).flush(); // no records: the header alone
        ASSERT_EQ(::chown(recording.c_str(), nobody, nobody), 0) << std::strerror(errno);
        Child child =
            Child::spawn_with_capabilities({path, "--json", "--replay", recording}, test::Output::capture, nobody, {});
        const auto status = child.wait(20s);
        EXPECT_TRUE(test::exited_with(status, 0)) << test::describe_status(status) << "\n" << child.err();
        EXPECT_EQ(child.err(), std::string(monitor.name) + ": replayed 0 records, lost 0\n");
    }
}

TEST_F(LeastPrivilege, MissingCapabilityIsNamed)
{
    for (const MonitorCase &monitor : monitors()) {
        SCOPED_TRACE(monitor.name);
        const std::string path = copy_for_anyone(monitor.path);
        std::vector<int> fewer = monitor.capabilities;
        fewer.pop_back();
        for (const auto &caps : {std::vector<int>{}, fewer}) {
            Child child = Child::spawn_with_capabilities({path}, test::Output::capture, nobody, caps);
            const auto status = child.wait(20s);
            EXPECT_TRUE(test::exited_with(status, 1)) << test::describe_status(status) << "\n" << child.err();
            EXPECT_NE(child.err().find(std::string(monitor.name) + ": needs CAP_BPF, CAP_PERFMON"), std::string::npos)
                << child.err();
            EXPECT_NE(child.err().find("(missing: "), std::string::npos) << child.err();
            EXPECT_EQ(child.err().find("Press Ctrl-C"), std::string::npos);
        }
    }
}

} // namespace
} // namespace winbpf::monitor
