// SPDX-License-Identifier: MIT
// CONTRACT §3 deny: a CREATE handler returning a failure NTSTATUS stops the process before it runs its new image
// (SIGKILL, or execve failing with EPERM where winbpf enforces through BPF LSM); other processes are unaffected;
// detaching ends the denial and unloading removes every program.
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

#include <csignal>
#include <cstring>
#include <exception>
#include <filesystem>
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

class DenyTest : public KernelTest
{
  protected:
    void SetUp() override
    {
        KernelTest::SetUp();
        if (HasFatalFailure())
            return;
        denied_ = dir_.path() / "denied_child";
        fs::copy_file(test_child_path(), denied_);
        fs::permissions(denied_, fs::perms::owner_all, fs::perm_options::add);
    }

    /// Runs the denied copy with `touch marker`; expects it stopped before it ran (per enforcement mode).
    void expect_denied(const fs::path &marker)
    {
        const winbpf::Enforcement enforcement = winbpf::probe_enforcement();
        if (enforcement.mode == winbpf::EnforcementMode::lsm) {
            try {
                Child::spawn({denied_, "touch", marker});
                ADD_FAILURE() << "exec of the denied image succeeded (LSM mode: expected EPERM)";
            } catch (const std::system_error &e) {
                EXPECT_EQ(e.code().value(), EPERM) << e.what();
            }
        } else {
            Child child = Child::spawn({denied_, "touch", marker});
            const auto status = child.wait(10s);
            EXPECT_TRUE(killed_by(status, SIGKILL)) << describe_status(status) << " (" << enforcement.detail << ")";
        }
        EXPECT_FALSE(fs::exists(marker)) << "the denied process ran: " << marker;
    }

    TempDir dir_;
    fs::path denied_;
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
    const bool lsm = winbpf::probe_enforcement().mode == winbpf::EnforcementMode::lsm;
    winbpf::Object object = load_deny(denied_);
    winbpf::Attachment attachment(object);
    Recorder recorder;
    const fs::path marker = dir_.path() / "MARKER";
    Child child = Child::fork_gated({denied_, "touch", marker.string()});
    child.release();
    const auto status = child.wait(10s);
    if (lsm)
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
    EXPECT_EQ(deletes[0].process_exit_code, lsm ? 127u : 128u + SIGKILL);
    EXPECT_EQ(read_stats(object).denied, 1u);
}

TEST_F(DenyTest, AttachNoteNamesTheEnforcement)
{
    // The loader says which enforcement its process hook chose (lsm where BPF LSM programs load, else sigkill).
    const winbpf::Enforcement enforcement = winbpf::probe_enforcement();
    winbpf::Object object = load_deny(denied_);
    winbpf::Attachment attachment(object);
    const std::string expected = std::string("Deny enforcement: ") + winbpf::enforcement_name(enforcement.mode) + " (";
    bool found = false;
    for (const std::string &note : attachment.notes())
        found = found || note.rfind(expected, 0) == 0;
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
    const bool lsm = enforcement.mode == winbpf::EnforcementMode::lsm;
    EXPECT_EQ(lsm_loaded, lsm ? 1u : 0u);
    EXPECT_EQ(exec_loaded, lsm ? 0u : 1u);
}

} // namespace
} // namespace process_test
