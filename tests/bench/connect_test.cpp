// SPDX-License-Identifier: MIT
// winbpf_bench connect (issue 20 §4): a short run measures bare, the Windows-style connect4 + recv_accept4 audit pair
// attached by winbpf's loader (connect_audit, through winbpf_attach), connect_reference and hook_floor connect, each
// also with bpf_stats; every tool's programs run for the connections (BPF runs per connection), the audit programs
// write an entry per connection on each side (received), nothing is lost, each tool's programs are listed by hook
// (cgroup/connect4 ...), the verdict states the 0.1 us target paired by round and per hook, and the bench removes its
// cgroup.
#include "support/child.hpp"
#include "support/kernel_test.hpp"

#include "winbpf/system.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <regex>
#include <string>

namespace
{

using namespace std::chrono_literals;

class BenchConnectTest : public winbpf::test::KernelTest
{
};

/// The row of mode in the bench's table (the line starting with mode, spaces and its connections/s), or "".
std::string row(const std::string &out, const std::string &mode)
{
    for (std::size_t at = out.find("\n" + mode + " "); at != std::string::npos;
         at = out.find("\n" + mode + " ", at + 1)) {
        const std::size_t figures = out.find_first_not_of(' ', at + 1 + mode.size());
        if (figures != std::string::npos && std::isdigit(static_cast<unsigned char>(out[figures])))
            return out.substr(at + 1, out.find('\n', at + 1) - at - 1);
    }
    return {};
}

TEST_F(BenchConnectTest, AuditPairBesideReferenceAndFloor)
{
    const winbpf::test::CommandResult run = winbpf::test::run(
        {WINBPF_BENCH_PATH, "connect", "-n", "1000", "--rounds", "1", "--tool-warmup", "0", "--settle-ms", "200"},
        5min);
    ASSERT_TRUE(run.status) << run.err;
    EXPECT_TRUE(WIFEXITED(*run.status) && WEXITSTATUS(*run.status) == 0) << run.out << run.err;
    EXPECT_EQ(run.err.find("PROBLEM"), std::string::npos) << run.err;
    for (const char *mode : {"bare", "connect_audit", "connect_audit +bpf_stats", "connect_reference",
                             "connect_reference +bpf_stats", "hook_floor", "hook_floor +bpf_stats"})
        EXPECT_NE(row(run.out, mode), "") << mode << "\n" << run.out;
    // Per measurement on stderr: each tool's programs ran (BPF runs), and the audit tools report the entries their
    // programs wrote: 2 per connection (outbound by cookie, inbound by the client's endpoint; a reused client port
    // replaces its older inbound entry, so a few less).
    const std::regex audited(
        R"(round [0-9]+/[0-9]+ (connect_audit|connect_reference)(?: \+bpf_stats)? +[0-9]+ connections in [^\n]*?, )"
        R"(received ([0-9]+))");
    int tools = 0;
    for (auto it = std::sregex_iterator(run.err.begin(), run.err.end(), audited); it != std::sregex_iterator(); ++it) {
        ++tools;
        const unsigned long received = std::stoul((*it)[2]);
        EXPECT_GE(received, 1800u) << it->str();
        EXPECT_LE(received, 2000u) << it->str();
    }
    EXPECT_EQ(tools, 4) << run.err;
    EXPECT_NE(run.out.find("target: connect_audit's BPF time per connection within 0.10 us of connect_reference's "),
              std::string::npos)
        << run.out;
    EXPECT_EQ(run.out.find("tool CPU per connection within"), std::string::npos) << run.out;
    // Per program, by the hook the link attaches it to: one connect4 run per connection for each tool, and the
    // verdict pairs the two tools' programs on each hook round by round (1 round: 1 pair).
    for (const char *tool : {"connect_audit", "connect_reference", "hook_floor"}) {
        const std::regex connect4(std::string(R"(\n  )") + tool +
                                  R"( +cgroup/connect4 +\S+ +[0-9.]+ x 1\.00 = [0-9.]+\n)");
        EXPECT_TRUE(std::regex_search(run.out, connect4)) << tool << "\n" << run.out;
    }
    EXPECT_NE(
        run.out.find("  per hook, BPF us per connection, connect_audit minus connect_reference paired by round: "),
        std::string::npos)
        << run.out;
    EXPECT_TRUE(std::regex_search(run.out, std::regex(R"([:;] cgroup/connect4 [-+][0-9.]+, 1 pair[;\n])"))) << run.out;
    EXPECT_NE(run.out.find("target: 0 events lost PASS"), std::string::npos) << run.out;
    for (const auto &entry : std::filesystem::directory_iterator(winbpf::cgroup2_mount()))
        EXPECT_FALSE(entry.path().filename().string().starts_with("winbpf_connect_bench."))
            << entry.path() << ": the bench left its cgroup";
}

} // namespace
