// SPDX-License-Identifier: MIT
// docs/hooks/process.md, image path: bpf_process_get_image_path reads exactly as `readlink /proc/PID/exe` does, for
// fileless (memfd) and O_TMPFILE executables, a file deleted while it runs, overlayfs and bind mounts, another mount
// namespace and a chroot; a path readlink cannot give (longer than PATH_MAX) keeps its tail after "...".
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/temp_dir.hpp"

#include <cerrno>
#include <climits>
#include <csignal>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

/// readlink of /proc/PID/exe; "" with errno set when it fails.
std::string read_exe_link(pid_t pid)
{
    char buffer[PATH_MAX + 1];
    const std::string link = "/proc/" + std::to_string(pid) + "/exe";
    const ssize_t n = readlink(link.c_str(), buffer, sizeof(buffer));
    return n < 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(n));
}

/// What a child that ended up sleeping in another image showed: its last CREATE, its DELETE, and readlink of its
/// /proc/PID/exe while it ran (readlink_errno when that failed).
struct Observed {
    Event create;
    Event destroy;
    std::string readlink;
    int readlink_errno = 0;
};

class ImagePathTest : public KernelTest
{
  protected:
    /// Runs a winbpf_test_child mode that execs `creates` times in all and then sleeps; once the last CREATE arrived,
    /// reads /proc/PID/exe (after before_readlink), kills the child and collects its DELETE.
    Observed observe(const std::vector<std::string> &argv, std::size_t creates,
                     const std::function<void(pid_t)> &before_readlink = {})
    {
        Observed seen;
        Recorder recorder;
        Child child = Child::spawn(argv);
        const bool started = recorder.poll_until(
            [&] { return recorder.events_of(child.pid(), operation_create).size() >= creates; }, 10s);
        EXPECT_TRUE(started) << "no CREATE of the final image (see the child's stderr)";
        if (!started)
            return seen;
        if (before_readlink)
            before_readlink(child.pid());
        errno = 0;
        seen.readlink = read_exe_link(child.pid());
        seen.readlink_errno = seen.readlink.empty() ? errno : 0;
        child.signal(SIGKILL);
        EXPECT_TRUE(killed_by(child.wait(10s), SIGKILL));
        EXPECT_TRUE(recorder.wait_for_delete(child.pid()));
        const auto created = recorder.events_of(child.pid(), operation_create);
        const auto deleted = recorder.events_of(child.pid(), operation_delete);
        EXPECT_EQ(created.size(), creates);
        EXPECT_EQ(deleted.size(), 1u);
        if (!created.empty())
            seen.create = created.back();
        if (!deleted.empty())
            seen.destroy = deleted.back();
        return seen;
    }

    /// Both events name the image exactly as readlink did, and that is expected.
    static void expect_readlink(const Observed &seen, const std::string &expected)
    {
        EXPECT_EQ(seen.readlink, expected) << "readlink /proc/PID/exe (errno " << seen.readlink_errno << ")";
        EXPECT_EQ(seen.create.image_path, seen.readlink);
        EXPECT_EQ(seen.destroy.image_path, seen.readlink);
    }
};

TEST_F(ImagePathTest, FilelessMemfdExecutableReadsAsProcExe)
{
    const Observed seen = observe({test_child_path(), "memfd-exec", "evil_payload", "10000"}, 2);
    expect_readlink(seen, "/memfd:evil_payload (deleted)");
}

TEST_F(ImagePathTest, TmpfileExecutableIsMarkedDeleted)
{
    TempDir dir;
    const Observed seen = observe({test_child_path(), "tmpfile-exec", dir.path().string(), "10000"}, 2);
    ASSERT_GT(seen.readlink.size(), dir.path().string().size());
    EXPECT_EQ(seen.readlink.rfind(dir.path().string() + "/#", 0), 0u) << seen.readlink;
    EXPECT_TRUE(seen.readlink.ends_with(" (deleted)")) << seen.readlink;
    expect_readlink(seen, seen.readlink);
}

TEST_F(ImagePathTest, ExecutableDeletedWhileRunningIsMarkedAtExit)
{
    TempDir dir;
    const std::filesystem::path image = dir.path() / "doomed child";
    std::filesystem::copy_file(test_child_path(), image);
    std::filesystem::permissions(image, std::filesystem::perms::owner_all);
    const Observed seen =
        observe({image.string(), "sleep-ms", "10000"}, 1, [&](pid_t) { std::filesystem::remove(image); });
    EXPECT_EQ(seen.create.image_path, image.string()) << "still linked at its exec";
    EXPECT_EQ(seen.readlink, image.string() + " (deleted)");
    EXPECT_EQ(seen.destroy.image_path, seen.readlink);
}

TEST_F(ImagePathTest, OverlayfsExecutableReadsAsItsOverlayPath)
{
    TempDir dir;
    const Observed seen = observe({test_child_path(), "mount-exec", "overlay", dir.path().string(), "10000"}, 2);
    expect_readlink(seen, (dir.path() / "merged/child").string());
}

TEST_F(ImagePathTest, BindMountedExecutableReadsAsTheMountItRanFrom)
{
    TempDir dir;
    const Observed seen = observe({test_child_path(), "mount-exec", "bind", dir.path().string(), "10000"}, 2);
    expect_readlink(seen, (dir.path() / "b/child").string());
}

TEST_F(ImagePathTest, ChrootedProcessReadsFromTheMonitorsRoot)
{
    TempDir dir;
    const std::string self = std::filesystem::canonical(test_child_path()).string();
    const Observed seen = observe({test_child_path(), "mount-exec", "chroot", dir.path().string(), "10000"}, 2);
    expect_readlink(seen, (dir.path() / "root").string() + self);
}

TEST_F(ImagePathTest, ProcessInAnotherMountNamespaceReadsAsThatNamespaceNamesIt)
{
    TempDir dir;
    const std::string self = std::filesystem::canonical(test_child_path()).string();
    const Observed seen = observe({test_child_path(), "mount-exec", "pivot", dir.path().string(), "10000"}, 2);
    expect_readlink(seen, self);
}

/// Path of mount-exec deep:levels:length under dir.
std::string deep_path(const std::filesystem::path &dir, unsigned levels, unsigned length)
{
    std::string path = dir.string();
    for (unsigned i = 0; i < levels; ++i)
        path += "/" + std::string(length, 'd');
    return path + "/child";
}

/// Levels of 1-byte names that make the path exactly `size` bytes long ("/d" per level + "/child").
unsigned levels_for(const std::filesystem::path &dir, std::size_t size)
{
    return static_cast<unsigned>((size - dir.string().size() - 6) / 2);
}

TEST_F(ImagePathTest, DeepPathsUpToPathMaxAreWhole)
{
    TempDir dir;
    // Many short components (far more than the walk's old 128 steps), the longest text readlink gives (4095 bytes),
    // and 255-byte names.
    const bool even = dir.path().string().size() % 2 == 0; // "/child" is even: match the parity of 4095
    for (const auto &[levels, length] :
         {std::pair{300u, 1u}, std::pair{levels_for(dir.path(), even ? 4094 : 4095), 1u}, std::pair{15u, 255u}}) {
        const std::string expected = deep_path(dir.path(), levels, length);
        SCOPED_TRACE(std::to_string(expected.size()) + " bytes");
        ASSERT_LE(expected.size(), 4095u);
        const std::string kind = "deep:" + std::to_string(levels) + ":" + std::to_string(length);
        const Observed seen = observe({test_child_path(), "mount-exec", kind, dir.path().string(), "10000"}, 2);
        expect_readlink(seen, expected);
    }
}

TEST_F(ImagePathTest, PathLongerThanPathMaxKeepsItsTailAfterDots)
{
    TempDir dir;
    for (const auto &[levels, length] : {std::pair{2100u, 1u}, std::pair{17u, 255u}}) {
        const std::string full = deep_path(dir.path(), levels, length);
        SCOPED_TRACE(std::to_string(full.size()) + " bytes");
        ASSERT_GT(full.size(), 4095u);
        const std::string kind = "deep:" + std::to_string(levels) + ":" + std::to_string(length);
        const Observed seen = observe({test_child_path(), "mount-exec", kind, dir.path().string(), "10000"}, 2);
        EXPECT_TRUE(seen.readlink.empty());
        EXPECT_EQ(seen.readlink_errno, ENAMETOOLONG) << "readlink cannot name it";
        for (const Event *e : {&seen.create, &seen.destroy}) {
            const std::string &image = e->image_path;
            ASSERT_GT(image.size(), 3u + 6u);
            EXPECT_EQ(image.substr(0, 3), "...");
            EXPECT_LE(image.size(), 4096u);
            EXPECT_GE(image.size(), 4096u - 256u) << "as much of the tail as fits";
            EXPECT_TRUE(full.ends_with(image.substr(3))) << image;
        }
    }
}

} // namespace
} // namespace process_test
