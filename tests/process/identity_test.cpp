// SPDX-License-Identifier: MIT
// CONTRACT §3: token_sid is S-1-22-1-<euid>; account name / domain are the user name of that uid and the UTS host
// name; the image path is the canonical path of the executed file (symlinks resolved).
#include "child.hpp"
#include "kernel_test.hpp"
#include "recorder.hpp"
#include "text.hpp"

#include <climits>
#include <cstdlib>
#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace process_test
{
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
