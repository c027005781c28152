// SPDX-License-Identifier: MIT
// docs/hooks/process.md: token_sid is S-1-22-1-<euid>; account name / domain are the user name of that uid and the UTS
// host name; the image path is the canonical path of the executed file (symlinks resolved).
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/encoding.hpp"
#include "support/kernel_test.hpp"
#include "support/temp_dir.hpp"
#include "text.hpp"

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

class IdentityTest : public KernelTest
{
  protected:
    /// Runs argv to completion under the recorder; returns its CREATE and DELETE.
    std::vector<Event> run(const std::vector<std::string> &argv)
    {
        Recorder recorder;
        Child child = Child::spawn(argv);
        const auto status = child.wait(10s);
        EXPECT_TRUE(exited_with(status, 0)) << describe_status(status);
        EXPECT_TRUE(recorder.wait_for_delete(child.pid()));
        auto events = recorder.events_of(child.pid());
        EXPECT_EQ(events.size(), 2u) << "one CREATE and one DELETE";
        return events;
    }
};

std::string real_path(const std::string &path)
{
    char resolved[PATH_MAX];
    return realpath(path.c_str(), resolved) ? std::string(resolved) : std::string();
}

TEST_F(IdentityTest, TokenSidAndAccounts)
{
    const passwd *user = getpwuid(geteuid());
    ASSERT_NE(user, nullptr);
    utsname host{};
    ASSERT_EQ(uname(&host), 0);
    const std::string name = user->pw_name, domain = host.nodename;

    for (const Event &e : run({test_child_path(), "exit", "0"})) {
        SCOPED_TRACE(e.is_create() ? "CREATE" : "DELETE");
        EXPECT_EQ(e.token_sid_size, 16u);
        EXPECT_EQ(e.token_sid, unix_user_sid(geteuid()));
        EXPECT_EQ(e.account_name_result, static_cast<int>(utf8_to_utf16le(name).size()));
        EXPECT_EQ(e.account_name, name);
        EXPECT_EQ(e.account_domain_result, static_cast<int>(utf8_to_utf16le(domain).size()));
        EXPECT_EQ(e.account_domain, domain);
    }
}

// The shim reads ASCII host names with word loads and others through the UTF-8 path: lengths around the 8-byte
// words, the longest name (64 bytes) and a non-ASCII name, each in a UTS namespace of the test's own.
TEST_F(IdentityTest, AccountDomainIsTheHostNameOfTheProcesssUtsNamespace)
{
    const std::vector<std::string> names{"a",
                                         "abcdefg",
                                         "abcdefgh",
                                         "abcdefghi",
                                         std::string(63, 'x'),
                                         std::string(64, 'y'),
                                         "h\xc3\xb4te-\xc3\xbc-\xe2\x82\xac"}; // hôte-ü-€
    for (const std::string &name : names) {
        SCOPED_TRACE("host name " + name);
        Recorder recorder;
        Child child = Child::spawn({test_child_path(), "uts-exec", name});
        const auto status = child.wait(10s);
        ASSERT_TRUE(exited_with(status, 0)) << describe_status(status);
        ASSERT_TRUE(recorder.wait_for_delete(child.pid()));
        const auto events = recorder.events_of(child.pid());
        ASSERT_EQ(events.size(), 3u) << "CREATE before the namespace, CREATE after the re-exec, DELETE";
        for (std::size_t i = 1; i < events.size(); ++i) {
            EXPECT_EQ(events[i].account_domain_result, static_cast<int>(utf8_to_utf16le(name).size()));
            EXPECT_EQ(events[i].account_domain, name);
        }
    }
}

TEST_F(IdentityTest, ImagePathOfTestChild)
{
    const std::string expected = real_path(test_child_path());
    ASSERT_FALSE(expected.empty());
    for (const Event &e : run({test_child_path(), "exit", "0"})) {
        SCOPED_TRACE(e.is_create() ? "CREATE" : "DELETE");
        EXPECT_EQ(e.image_path_result, static_cast<int>(utf8_to_utf16le(expected).size()));
        EXPECT_EQ(e.image_path, expected);
    }
}

// Directory names of every length around the shim's 8-byte word copies, up to the longest name (255 bytes), which
// the shim copies with a helper call instead.
TEST_F(IdentityTest, ImagePathWithNamesOfManyLengths)
{
    TempDir dir;
    std::filesystem::path path = dir.path();
    for (std::size_t length : {1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200, 255})
        path /= std::string(length, static_cast<char>('a' + length % 26));
    std::filesystem::create_directories(path);
    path /= "child";
    std::filesystem::copy_file(test_child_path(), path);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);

    for (const Event &e : run({path.string(), "exit", "0"})) {
        SCOPED_TRACE(e.is_create() ? "CREATE" : "DELETE");
        EXPECT_EQ(e.image_path, path.string());
        EXPECT_EQ(e.image_path_result, static_cast<int>(utf8_to_utf16le(path.string()).size()));
    }
}

TEST_F(IdentityTest, ImagePathThroughSymlinkIsTheTarget)
{
    const std::string expected = real_path("/bin/sh");
    ASSERT_FALSE(expected.empty());
    ASSERT_NE(expected, "/bin/sh") << "this test needs /bin/sh to be a symlink";
    const std::vector<std::string> argv{"/bin/sh", "-c", "exit 0"};
    const auto events = run(argv);
    ASSERT_FALSE(events.empty());
    const Event &create = events.front();
    ASSERT_TRUE(create.is_create());
    EXPECT_EQ(create.image_path, expected);
    EXPECT_EQ(create.image_path_result, static_cast<int>(utf8_to_utf16le(expected).size()));
    EXPECT_EQ(create.command_line, join_command_line(argv)) << "argv[0] as given, not resolved";
}

} // namespace
} // namespace process_test
