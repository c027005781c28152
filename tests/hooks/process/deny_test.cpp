// SPDX-License-Identifier: MIT
// docs/hooks/process.md, deny: a CREATE handler returning a failure NTSTATUS stops the process before it runs its new
// image (SIGKILL, or execve failing with EPERM where winbpf enforces through BPF LSM); other processes are unaffected;
// detaching ends the denial and unloading removes every program. The mode each kernel must get is stated, not probed:
// WINBPF_EXPECT_DENY_ENFORCEMENT (lsm or sigkill; the VM suite states it per kernel), else the host's from
// tests/deny_enforcement.cmake; every test fails when the loader chooses another mode.
#include "process_deny.h"
#include "recorder.hpp"
#include "support/bpftool.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"
#include "text.hpp"
#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"
#include "winbpf/hook.hpp"
#include "winbpf/system.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <nlohmann/json.hpp>
#include <sys/utsname.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sys/wait.h>
#include <system_error>
#include <thread>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

namespace fs = std::filesystem;

winbpf::Object load_deny(const fs::path &image)
{
    winbpf::Object object = winbpf::Object::open_file(bpf_object_path("process_deny"));
    object.load();
    const auto path = utf8_to_utf16le(image.string());
    deny_config config{};
    if (path.size() > sizeof(config.path))
        throw std::length_error("image path too long for deny_config");
    config.path_size = static_cast<std::uint32_t>(path.size());
    std::memcpy(config.path, path.data(), path.size());
    const std::uint32_t zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(object.map("deny_config")), &zero, &config, BPF_ANY) != 0)
        throw winbpf::Error("writing deny_config", errno);
    return object;
}

deny_stats read_stats(const winbpf::Object &object)
{
    deny_stats stats{};
    const std::uint32_t zero = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(object.map("deny_stats")), &zero, &stats) != 0)
        throw winbpf::Error("reading deny_stats", errno);
    return stats;
}

/// The deny enforcement this kernel must get, and who states it.
struct ExpectedEnforcement {
    std::optional<winbpf::EnforcementMode> mode; ///< Empty when nobody states one (or the statement is not a mode).
    std::string source;                          ///< "WINBPF_EXPECT_DENY_ENFORCEMENT", or the host's statement.
    std::string problem;                         ///< Why mode is empty.
};

std::optional<winbpf::EnforcementMode> parse_mode(std::string_view name)
{
    for (winbpf::EnforcementMode mode : {winbpf::EnforcementMode::lsm, winbpf::EnforcementMode::sigkill})
        if (name == winbpf::enforcement_name(mode))
            return mode;
    return std::nullopt;
}

/// WINBPF_EXPECT_DENY_ENFORCEMENT when set, else the host's expectation built in from tests/deny_enforcement.cmake,
/// which holds only on the kernel it was configured on.
ExpectedEnforcement expected_enforcement()
{
    if (const char *stated = std::getenv("WINBPF_EXPECT_DENY_ENFORCEMENT")) {
        ExpectedEnforcement expected{parse_mode(stated), "WINBPF_EXPECT_DENY_ENFORCEMENT", ""};
        if (!expected.mode)
            expected.problem = std::string("WINBPF_EXPECT_DENY_ENFORCEMENT is '") + stated + "': lsm or sigkill";
        return expected;
    }
    ExpectedEnforcement expected{parse_mode(WINBPF_HOST_DENY_ENFORCEMENT), WINBPF_HOST_DENY_ENFORCEMENT_SOURCE, ""};
    utsname names{};
    uname(&names);
    const std::string release = names.release;
    if (!expected.mode)
        expected.problem = "no deny enforcement is stated for kernel " + release +
                           ": name it in tests/deny_enforcement.cmake, configure with "
                           "-DWINBPF_HOST_DENY_ENFORCEMENT=lsm|sigkill or set WINBPF_EXPECT_DENY_ENFORCEMENT";
    else if (release != WINBPF_HOST_KERNEL_RELEASE) {
        expected.mode.reset();
        expected.problem = "the built-in expectation (" + expected.source + ") is for kernel " +
                           WINBPF_HOST_KERNEL_RELEASE + ", this is " + release +
                           ": set WINBPF_EXPECT_DENY_ENFORCEMENT=lsm|sigkill";
    }
    return expected;
}

class DenyTest : public KernelTest
{
  protected:
    /// Pins of programs added with the winbpf tool (under /sys/fs/bpf/winbpf) are removed if a test leaves them.
    DenyTest() : KernelTest("/sys/fs/bpf/winbpf") {}

    void SetUp() override
    {
        KernelTest::SetUp();
        if (HasFatalFailure())
            return;
        const ExpectedEnforcement expected = expected_enforcement();
        ASSERT_TRUE(expected.mode.has_value()) << expected.problem;
        expected_ = *expected.mode;
        expected_source_ = expected.source;
        // The mode the loader chooses (its process hook runs this probe once per process).
        const winbpf::Enforcement chosen = winbpf::probe_enforcement();
        ASSERT_EQ(winbpf::enforcement_name(chosen.mode), std::string(winbpf::enforcement_name(expected_)))
            << "the loader chose deny enforcement " << winbpf::enforcement_name(chosen.mode) << " (" << chosen.detail
            << "), but this kernel must get " << winbpf::enforcement_name(expected_) << " (" << expected_source_ << ")";
        denied_ = dir_.path() / "denied_child";
        fs::copy_file(test_child_path(), denied_);
        fs::permissions(denied_, fs::perms::owner_all, fs::perm_options::add);
    }

    bool lsm() const { return expected_ == winbpf::EnforcementMode::lsm; }

    /// Runs the denied copy with `touch marker`; expects it stopped before it ran, as the expected mode stops it.
    void expect_denied(const fs::path &marker)
    {
        if (lsm()) {
            try {
                Child::spawn({denied_, "touch", marker});
                ADD_FAILURE() << "exec of the denied image succeeded (LSM mode: expected EPERM)";
            } catch (const std::system_error &e) {
                EXPECT_EQ(e.code().value(), EPERM) << e.what();
            }
        } else {
            Child child = Child::spawn({denied_, "touch", marker});
            const auto status = child.wait(10s);
            EXPECT_TRUE(killed_by(status, SIGKILL)) << describe_status(status);
        }
        EXPECT_FALSE(fs::exists(marker)) << "the denied process ran: " << marker;
    }

    TempDir dir_;
    fs::path denied_;
    winbpf::EnforcementMode expected_ = winbpf::EnforcementMode::sigkill;
    std::string expected_source_;
};

TEST_F(DenyTest, DeniedImageStopsOthersRunDetachRestores)
{
    const fs::path marker = dir_.path() / "MARKER", other_marker = dir_.path() / "OTHER";
    std::optional<winbpf::Object> object(load_deny(denied_));
    const auto ids = program_ids(*object);
    ASSERT_FALSE(ids.empty());
    std::optional<winbpf::Attachment> attachment(std::in_place, *object);

    // The denied copy and the original binary at the same time: only the copy is stopped.
    std::optional<std::optional<int>> other_status;
    std::string other_error;
    std::thread other_runner([&] {
        try {
            Child other = Child::spawn({test_child_path(), "touch", other_marker});
            other_status = other.wait(10s);
        } catch (const std::exception &e) {
            other_error = e.what();
        }
    });
    expect_denied(marker);
    other_runner.join();
    ASSERT_TRUE(other_status.has_value()) << other_error;
    EXPECT_TRUE(exited_with(*other_status, 0)) << describe_status(*other_status);
    EXPECT_TRUE(fs::exists(other_marker));

    // Afterwards, too, a process of another image runs normally; the same image is still denied.
    Child after = Child::spawn({test_child_path(), "exit", "5"});
    const auto after_status = after.wait(10s);
    EXPECT_TRUE(exited_with(after_status, 5)) << describe_status(after_status);
    expect_denied(marker);
    const deny_stats stats = read_stats(*object);
    EXPECT_EQ(stats.denied, 2u);
    EXPECT_GE(stats.permitted, 2u);

    const auto listed = bpftool_program_ids();
    for (std::uint32_t id : ids)
        EXPECT_TRUE(listed.count(id)) << "bpftool does not list loaded program " << id;

    // Detached: the same binary runs and has its side effect.
    attachment.reset();
    Child released = Child::spawn({denied_, "touch", marker});
    const auto released_status = released.wait(10s);
    EXPECT_TRUE(exited_with(released_status, 0)) << describe_status(released_status);
    EXPECT_TRUE(fs::exists(marker));

    // Unloaded: bpftool no longer lists any of the object's programs (release may take a moment).
    object.reset();
    std::set<std::uint32_t> remaining = ids;
    winbpf::test::wait_until(
        [&] {
            const auto now_listed = bpftool_program_ids();
            std::erase_if(remaining, [&](std::uint32_t id) { return !now_listed.count(id); });
            return remaining.empty();
        },
        10s, 100ms);
    EXPECT_TRUE(remaining.empty()) << remaining.size() << " deny programs still listed by bpftool prog show";
}

TEST_F(DenyTest, RecorderSeesDeniedProcessComeAndGo)
{
    // A recorder sees the denied CREATE (with the denied image and its command line) and the process's DELETE:
    // SIGKILL mode, killed by SIGKILL (128 + 9); LSM mode, execve failed with EPERM and the forked child exits 127 in
    // its old image. Attached after the deny program: the kernel runs the LSM program attached last first and stops
    // at the first refusal.
    winbpf::Object object = load_deny(denied_);
    winbpf::Attachment attachment(object);
    Recorder recorder;
    const fs::path marker = dir_.path() / "MARKER";
    Child child = Child::fork_gated({denied_, "touch", marker.string()});
    child.release();
    const auto status = child.wait(10s);
    if (lsm())
        ASSERT_TRUE(exited_with(status, 127)) << describe_status(status);
    else
        ASSERT_TRUE(killed_by(status, SIGKILL)) << describe_status(status);
    EXPECT_FALSE(fs::exists(marker)) << "the denied process ran";
    ASSERT_TRUE(recorder.wait_for_delete(child.pid()));
    const auto creates = recorder.events_of(child.pid(), operation_create);
    ASSERT_EQ(creates.size(), 1u);
    EXPECT_EQ(creates[0].image_path, denied_.string());
    EXPECT_EQ(creates[0].command_line, denied_.string() + " touch " + marker.string());
    const auto deletes = recorder.events_of(child.pid(), operation_delete);
    ASSERT_EQ(deletes.size(), 1u);
    EXPECT_EQ(deletes[0].process_exit_code, lsm() ? 127u : 128u + SIGKILL);
    EXPECT_EQ(read_stats(object).denied, 1u);
}

TEST_F(DenyTest, AttachNoteNamesTheEnforcement)
{
    // The loader says which enforcement its process hook chose; the log shows it beside the expected mode.
    winbpf::Object object = load_deny(denied_);
    winbpf::Attachment attachment(object);
    const std::string expected = std::string("Deny enforcement: ") + winbpf::enforcement_name(expected_) + " (";
    bool found = false;
    for (const std::string &note : attachment.notes()) {
        if (note.starts_with("Deny enforcement: "))
            std::cout << note << "; expected: " << winbpf::enforcement_name(expected_) << " (" << expected_source_
                      << ")\n";
        found = found || note.starts_with(expected);
    }
    EXPECT_TRUE(found) << "no note starting with '" << expected << "'";
    // Exactly one CREATE entry is loaded per handler: the one of the chosen mode.
    std::size_t lsm_loaded = 0, exec_loaded = 0;
    for (const winbpf::HookProgram &hook : object.hooks())
        for (bpf_program *entry : hook.entries) {
            const std::string event = winbpf::parse_entry_name(bpf_program__name(entry)).event;
            if (bpf_program__fd(entry) < 0)
                continue;
            lsm_loaded += event == "lsm";
            exec_loaded += event == "exec";
        }
    EXPECT_EQ(lsm_loaded, lsm() ? 1u : 0u);
    EXPECT_EQ(exec_loaded, lsm() ? 0u : 1u);
}

TEST_F(DenyTest, AddProgramAttachesTheExpectedCreateEntry)
{
    // `winbpf add program` of a deny program: the log shows what it printed, and the kernel's own listing of the
    // added program shows which CREATE entry the loader attached: under BPF LSM an lsm program (event "lsm"), under
    // SIGKILL the sched_process_exec tracepoint (event "exec"). No image is configured: it denies nothing.
    const std::string cli = WINBPF_CLI_PATH;
    const CommandResult added = run({cli, "add", "program", bpf_object_path("process_deny")}, 60s);
    std::cout << "winbpf add program process_deny.o:\n" << added.out << added.err;
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    const std::string loaded = "Loaded with ID ";
    const std::size_t at = added.out.find(loaded);
    ASSERT_NE(at, std::string::npos) << added.out;
    const std::string id = std::to_string(std::stoul(added.out.substr(at + loaded.size())));

    const CommandResult shown = run({cli, "show", "programs", "type=process", "level=verbose", "--json"}, 60s);
    std::vector<std::string> create_events;
    if (shown.exit_code() == 0)
        for (const auto &row : nlohmann::json::parse(shown.out)) {
            if (std::to_string(row.at("id").get<std::uint32_t>()) != id)
                continue;
            for (const auto &program : row.at("linux_programs")) {
                const std::string event = program.at("event").get<std::string>();
                if (event == "lsm" || event == "exec") {
                    create_events.push_back(event);
                    std::cout << "Deny enforcement of the added program " << id << ": "
                              << (event == "lsm" ? "lsm" : "sigkill") << " (Linux program "
                              << program.at("id").get<std::uint32_t>() << ": "
                              << program.at("function").get<std::string>() << ", type "
                              << program.at("program_type").get<std::string>()
                              << "); expected: " << winbpf::enforcement_name(expected_) << " (" << expected_source_
                              << ")\n";
                }
            }
        }
    const CommandResult deleted = run({cli, "delete", "program", id}, 60s);
    EXPECT_EQ(shown.exit_code(), 0) << shown.err;
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_EQ(create_events, std::vector<std::string>{lsm() ? "lsm" : "exec"}) << shown.out;
}

TEST_F(DenyTest, AWrongExpectedModeFailsTheDenyTests)
{
    // The other deny tests, run again expecting the mode this kernel does not get, must fail, each naming both modes.
    const winbpf::EnforcementMode wrong = lsm() ? winbpf::EnforcementMode::sigkill : winbpf::EnforcementMode::lsm;
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    const CommandResult result =
        run({"/usr/bin/env", std::string("WINBPF_EXPECT_DENY_ENFORCEMENT=") + winbpf::enforcement_name(wrong), self,
             "--gtest_filter=DenyTest.*-DenyTest." + name},
            120s);
    EXPECT_EQ(result.exit_code(), 1) << describe_status(result.status);
    const int others = ::testing::UnitTest::GetInstance()->current_test_suite()->total_test_count() - 1;
    ASSERT_GT(others, 0);
    EXPECT_NE(result.out.find("[  PASSED  ] 0 tests."), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(std::to_string(others) + " FAILED TEST"), std::string::npos) << result.out;
    const std::string message = std::string("the loader chose deny enforcement ") + winbpf::enforcement_name(expected_);
    const std::string must = std::string("but this kernel must get ") + winbpf::enforcement_name(wrong) +
                             " (WINBPF_EXPECT_DENY_ENFORCEMENT)";
    EXPECT_NE(result.out.find(message), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(must), std::string::npos) << result.out;
}

} // namespace
} // namespace process_test
