// SPDX-License-Identifier: MIT
// docs/hooks/bind.md: BIND, POST_BIND and UNBIND of real sockets of this process, with the Windows context fields.
#include "bind_fixture.hpp"
#include "support/child.hpp"
#include "support/temp_dir.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <set>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bind_test
{
namespace
{

struct Case {
    Family family;
    Protocol protocol;
};

class BindEvents : public BindTest, public ::testing::WithParamInterface<Case>
{
};

std::vector<std::uint8_t> loopback(Family family)
{
    if (family == Family::v4)
        return {127, 0, 0, 1};
    std::vector<std::uint8_t> address(16, 0);
    address[15] = 1;
    return address;
}

// One socket bound to port 0 gives exactly one BIND (port 0), one POST_BIND (the chosen port) and one UNBIND, in
// that order, each with the Windows fields.
TEST_P(BindEvents, ExactlyOnceEachWithWindowsFields)
{
    const auto [family, protocol] = GetParam();
    Recorder recorder(cgroup->path());
    std::uint16_t port = 0;
    {
        Socket socket(family, protocol);
        ASSERT_EQ(socket.bind(0), 0);
        port = socket.local_port();
        ASSERT_NE(port, 0);
    }
    const std::vector<Record> &records = recorder.wait_for(3);
    ASSERT_EQ(records.size(), 3u);
    const std::uint32_t expected_operation[] = {0 /* BIND */, 1 /* POST_BIND */, 2 /* UNBIND */};
    const std::uint16_t expected_port[] = {0, port, port};
    for (std::size_t i = 0; i < 3; ++i) {
        const Record &r = records[i];
        SCOPED_TRACE("event " + std::to_string(i));
        EXPECT_EQ(r.raw.operation, expected_operation[i]);
        EXPECT_EQ(r.raw.process_id, static_cast<std::uint64_t>(getpid()));
        EXPECT_EQ(r.family(), family == Family::v4 ? 2 : 23);
        EXPECT_EQ(r.raw.socket_address_length, family == Family::v4 ? 16 : 28);
        EXPECT_EQ(r.port(), expected_port[i]);
        EXPECT_EQ(r.address(), loopback(family));
        EXPECT_EQ(r.raw.protocol, protocol == Protocol::tcp ? IPPROTO_TCP : IPPROTO_UDP);
        EXPECT_EQ(r.app_id(), expected_app_id());
        EXPECT_EQ(r.raw.app_id_size, expected_app_id().size() * 2);
        EXPECT_EQ(r.raw.action, 0u); // BIND_PERMIT
    }
    // Nothing more arrives.
    EXPECT_EQ(recorder.drain().size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(All, BindEvents,
                         ::testing::Values(Case{Family::v4, Protocol::tcp}, Case{Family::v4, Protocol::udp},
                                           Case{Family::v6, Protocol::tcp}, Case{Family::v6, Protocol::udp}),
                         [](const auto &info) {
                             return to_string(info.param.family) + to_string(info.param.protocol);
                         });

// Sockets that never bind give no event: one closed unused, one bound implicitly by sendto (autobind).
TEST_F(BindTest, NeverBoundGivesNoEvents)
{
    Recorder recorder(cgroup->path());
    {
        Socket unused(Family::v4, Protocol::tcp);
    }
    {
        Socket sender(Family::v4, Protocol::udp);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(9); // discard; nothing listens, the datagram is dropped on loopback
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::sendto(sender.fd(), "x", 1, 0, reinterpret_cast<sockaddr *>(&to), sizeof(to)), 1);
        ASSERT_NE(sender.local_port(), 0); // autobound
    }
    EXPECT_TRUE(recorder.drain().empty());
}

// The app id of executables whose file names take each path of the glue's UTF-16 conversion: ASCII up to 32 bytes
// (word loads, no bpf_loop), 33 bytes and longer, and non-ASCII (bpf_loop, surrogate pairs for U+1F600). Each copy of
// bind_generator binds once in a child that waits until the recorder watches its pid.
TEST_F(BindTest, AppIdOfShortLongAndNonAsciiExecutableNames)
{
    const winbpf::test::TempDir dir;
    const std::vector<std::string> names = {"b",
                                            std::string(32, 'x'),
                                            std::string(33, 'y'),
                                            std::string(200, 'z'),
                                            "bind_gen\xc3\xa9rator",
                                            "\xf0\x9f\x98\x80" + std::string(30, 'a')};
    const std::vector<std::u16string> expected = {u"b",
                                                  std::u16string(32, u'x'),
                                                  std::u16string(33, u'y'),
                                                  std::u16string(200, u'z'),
                                                  u"bind_gen\u00e9rator",
                                                  u"\U0001F600" + std::u16string(30, u'a')};
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::filesystem::path copy = dir.path() / names[i];
        std::filesystem::copy_file(BIND_GENERATOR_PATH, copy);
        std::filesystem::permissions(copy, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
        int go[2];
        ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
        const pid_t child = fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            char byte;
            if (read(go[0], &byte, 1) != 1)
                _exit(126);
            const int null = open("/dev/null", O_WRONLY); // the generator's "<done> <failures> <ns>" line
            if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
                _exit(125);
            execl(copy.c_str(), copy.c_str(), "1", static_cast<char *>(nullptr));
            _exit(127);
        }
        close(go[0]);
        {
            Recorder recorder(cgroup->path(), bind_policy{.watch_pid = static_cast<std::uint32_t>(child)});
            EXPECT_EQ(write(go[1], "g", 1), 1);
            close(go[1]);
            int status = 0;
            ASSERT_EQ(waitpid(child, &status, 0), child);
            ASSERT_TRUE(winbpf::test::exited_with(status, 0)) << winbpf::test::describe_status(status);
            const std::vector<Record> &records = recorder.wait_for(3);
            ASSERT_EQ(records.size(), 3u) << names[i];
            std::u16string with_nul = expected[i];
            with_nul.push_back(u'\0');
            for (const Record &r : records)
                EXPECT_EQ(r.app_id(), with_nul)
                    << "operation " << unsigned(r.raw.operation) << ", name of " << names[i].size() << " bytes";
        }
    }
}

// A socket bound in this process and closed by a child it was inherited by: UNBIND still names the binder.
TEST_F(BindTest, UnbindNamesTheBinderWhenAChildClosesLast)
{
    Recorder recorder(cgroup->path());
    Socket socket(Family::v4, Protocol::udp);
    ASSERT_EQ(socket.bind(0), 0);
    const std::uint16_t port = socket.local_port();
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        usleep(200 * 1000); // the parent closes its copy first
        _exit(0);           // the last close of the socket happens in this exiting child
    }
    socket.close();
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    const std::vector<Record> &records = recorder.wait_for(3);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[2].raw.operation, 2u);
    EXPECT_EQ(records[2].raw.process_id, static_cast<std::uint64_t>(getpid()));
    EXPECT_EQ(records[2].port(), port);
    EXPECT_EQ(records[2].app_id(), expected_app_id());
}

// More sockets bound at once than the glue's mark hash holds (winbpf_bind_sockets): the ones past its size are
// marked in socket storage instead, so every socket still gives exactly one UNBIND, with its own port; every mark
// in the hash is gone once the sockets are closed.
TEST_F(BindTest, UnbindIsExactPastTheMarkHashSize)
{
    Recorder recorder(cgroup->path());
    bpf_map *marks = recorder.object().map("winbpf_bind_sockets");
    ASSERT_NE(marks, nullptr);
    const std::size_t count = bpf_map__max_entries(marks) + 256;

    rlimit files{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
    const rlimit saved = files;
    if (files.rlim_cur < count + 256) {
        files.rlim_cur = std::max<rlim_t>(files.rlim_cur, count + 256);
        files.rlim_max = std::max(files.rlim_max, files.rlim_cur);
        ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0) << std::strerror(errno);
    }
    std::multiset<std::uint16_t> bound;
    {
        std::vector<Socket> sockets;
        sockets.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            Socket &socket = sockets.emplace_back(Family::v4, Protocol::udp);
            ASSERT_EQ(socket.bind(0), 0) << "socket " << i;
            bound.insert(socket.local_port());
            if (i % 100 == 0)
                recorder.drain(std::chrono::milliseconds(0)); // the recorder's ring holds a few thousand records
        }
        for (std::size_t i = 0; i < count; ++i) {
            sockets[i].close();
            if (i % 100 == 0)
                recorder.drain(std::chrono::milliseconds(0));
        }
    }
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
    const std::vector<Record> &records = recorder.wait_for(3 * count, std::chrono::seconds(30));
    std::multiset<std::uint16_t> unbound;
    for (const Record &r : records)
        if (r.raw.operation == 2 /* UNBIND */) {
            unbound.insert(r.port());
            EXPECT_EQ(r.raw.process_id, static_cast<std::uint64_t>(getpid()));
        }
    EXPECT_EQ(records.size(), 3 * count);
    EXPECT_EQ(unbound.size(), count);
    EXPECT_EQ(unbound, bound);
    EXPECT_EQ(records.back().app_id(), expected_app_id());
    std::uint64_t key = 0;
    EXPECT_NE(bpf_map_get_next_key(bpf_map__fd(marks), nullptr, &key), 0) << "a mark is left in the hash";
}

// bpf_get_current_pid_tgid, bpf_get_current_logon_id and bpf_is_current_admin work in bind programs.
TEST_F(BindTest, GeneralHelpersWork)
{
    Recorder recorder(cgroup->path());
    {
        Socket socket(Family::v4, Protocol::tcp);
        ASSERT_EQ(socket.bind(0), 0);
    }
    const std::vector<Record> &records = recorder.wait_for(3);
    ASSERT_FALSE(records.empty());
    std::uint64_t session = 0;
    std::ifstream("/proc/self/sessionid") >> session;
    const std::uint64_t expected_logon = session == 4294967295u ? 0 : session; // (u32)-1: no audit session
    for (const Record &r : records) {
        EXPECT_EQ(r.raw.pid_tgid >> 32, static_cast<std::uint64_t>(getpid()));
        EXPECT_EQ(r.raw.is_admin, 1); // the tests run as root
        EXPECT_EQ(r.raw.logon_id, expected_logon);
    }
}

} // namespace
} // namespace bind_test
