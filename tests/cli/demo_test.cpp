// SPDX-License-Identifier: MIT
// eBPF for Windows' demo and tutorial, typed as written: objects built by plain clang (the documented lines, one
// pass, no Makefile.bpf), netsh's positional parameters, and the verbs one per line in the `ebpf>` context fed by a
// pipe. The demo's traffic goes between two network namespaces on a veth pair; the tutorial's binds happen in a child
// cgroup of the test. Nothing is left attached (KernelTest checks).
#include "support/bpftool.hpp"
#include "support/cgroup.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/netns.hpp"
#include "support/pin_dir.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"

#include <bpf/bpf.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

namespace
{

namespace fs = std::filesystem;
using testing::HasSubstr;
using testing::Not;
using winbpf::test::run;
using winbpf::test::VethPair;

const std::string cli = WINBPF_CLI_PATH;

class Demo : public winbpf::test::KernelTest
{
  protected:
    Demo() : KernelTest("/sys/fs/bpf/winbpf") {}
};

// The documented clang line with flags (e.g. {"-g", "-Werror"}) on source, written to output.
winbpf::test::CommandResult clang(const std::vector<std::string> &flags, const std::string &source,
                                  const fs::path &output)
{
    std::vector<std::string> argv{CLANG_BPF, "-target", "bpf", "-O2"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    for (const std::string &word : {std::string("-I"), std::string(WINBPF_INCLUDE_DIR), std::string("-c"), source,
                                    std::string("-o"), output.string()})
        argv.push_back(word);
    return run(argv);
}

winbpf::test::CommandResult winbpf_run(const std::vector<std::string> &arguments)
{
    std::vector<std::string> argv{cli};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run(argv);
}

// `winbpf < script` (the ebpf> context reading a pipe) in the network namespace at netns (empty: this one), run in
// directory dir (the demo's relative file names).
winbpf::test::CommandResult replay(const fs::path &dir, const std::string &script, const std::string &netns = {})
{
    const fs::path file = dir / "session.txt";
    std::ofstream(file) << script;
    std::vector<std::string> argv;
    if (!netns.empty())
        argv = {"/usr/bin/nsenter", "--net=" + netns};
    for (const std::string &word :
         {std::string("/bin/sh"), std::string("-c"), "cd '" + dir.string() + "' && exec '" + cli + "' < session.txt"})
        argv.push_back(word);
    return run(argv, std::chrono::minutes(2));
}

// Empty UDP datagrams from side a to side b of pair: how many of count arrive.
int flood(const VethPair &pair, int count)
{
    winbpf::UniqueFd receiver = winbpf::test::udp_socket_in(pair.netns_path(VethPair::b), pair.address(VethPair::b));
    winbpf::UniqueFd sender = winbpf::test::udp_socket_in(pair.netns_path(VethPair::a), pair.address(VethPair::a));
    const std::uint16_t port = winbpf::test::local_port(receiver.get());
    for (int i = 0; i < count; ++i)
        winbpf::test::send_datagram(sender.get(), pair.address(VethPair::b), port, 0);
    int received = 0;
    while (winbpf::test::receive_datagram(receiver.get(), received == 0 ? 2000 : 500) >= 0)
        ++received;
    return received;
}

// The (section, program, hook, handler) of each program `show sections --json` lists.
std::set<std::vector<std::string>> programs_of(const std::string &object)
{
    auto shown = winbpf_run({"show", "sections", object, "--json"});
    EXPECT_EQ(shown.exit_code(), 0) << shown.err;
    std::set<std::vector<std::string>> programs;
    for (const auto &p : nlohmann::json::parse(shown.out)["programs"])
        programs.insert({p["section"], p["program"], p["hook"], p["handler"]});
    return programs;
}

TEST_F(Demo, DropPacketDemoAsWritten)
{
    winbpf::test::TempDir dir;
    const std::string source = (dir.path() / "droppacket.c").string();
    fs::copy_file(DROPPACKET_SOURCE, source);

    // The demo's build line (-Wall, no -g) builds; its BTF-defined maps cannot load without BTF: said, with the fix.
    auto plain_nog = clang({"-Wall", "-Werror"}, source, dir.path() / "droppacket_nog.o");
    ASSERT_EQ(plain_nog.exit_code(), 0) << plain_nog.err;
    auto nog = winbpf_run({"show", "verification", (dir.path() / "droppacket_nog.o").string(), "xdp"});
    EXPECT_EQ(nog.exit_code(), 1) << nog.out;
    EXPECT_THAT(nog.err, HasSubstr("has no BTF (it was compiled without -g)"));
    EXPECT_THAT(nog.err, testing::ContainsRegex("map '(interface_index_map|dropped_packet_map)'"));
    EXPECT_THAT(nog.err, HasSubstr("compile with -g"));
    EXPECT_THAT(nog.err, Not(HasSubstr("No such file")));

    // The tutorial's line (-g -Werror): an object winbpf completes at load time.
    auto built = clang({"-g", "-Werror"}, source, dir.path() / "droppacket.o");
    ASSERT_EQ(built.exit_code(), 0) << built.err;
    EXPECT_EQ(programs_of((dir.path() / "droppacket.o").string()), programs_of(DROPPACKET_OBJECT))
        << "plain clang and Makefile.bpf give the same programs";
    auto compatibility = winbpf_run({"show", "compatibility", (dir.path() / "droppacket.o").string()});
    EXPECT_EQ(compatibility.exit_code(), 0) << compatibility.err;
    EXPECT_THAT(compatibility.out, HasSubstr("built by plain clang in one pass"));
    EXPECT_THAT(compatibility.out, HasSubstr("DropPacket (xdp)"));

    VethPair pair;
    const std::string netns = pair.netns_path(VethPair::b);
    ASSERT_EQ(flood(pair, 100), 100) << "before the demo every datagram arrives";

    // The demo's session, positional parameters as netsh takes them, in the ebpf> context.
    auto shown = replay(dir.path(), "show disassembly droppacket.o xdp\nshow verification droppacket.o xdp\n", netns);
    ASSERT_EQ(shown.exit_code(), 0) << shown.out << shown.err;
    EXPECT_THAT(shown.out, HasSubstr("Program DropPacket__winbpf_xdp_xdp (section xdp, DropPacket, xdp hook)"));
    EXPECT_THAT(shown.out, HasSubstr("if (ntohs(udp_header->length) <= sizeof(UDP_HEADER)) {"));
    EXPECT_THAT(shown.out, HasSubstr("Verification succeeded"));

    auto added = replay(dir.path(),
                        "netsh\nebpf\nadd program droppacket.o xdp interface=" + pair.interface(VethPair::b) +
                            "\nshow programs\n",
                        netns);
    ASSERT_EQ(added.exit_code(), 0) << added.out << added.err;
    EXPECT_TRUE(std::regex_search(added.out, std::regex(R"(Loaded with ID \d+\n)"))) << added.out;
    EXPECT_TRUE(std::regex_search(added.out, std::regex(R"( xdp +DropPacket\n)"))) << added.out;
    const int during = flood(pair, 100);
    EXPECT_LE(during, 2) << "the flood of empty datagrams drops to nearly nothing";

    auto deleted = replay(dir.path(), "delete program droppacket.o xdp\n", netns);
    ASSERT_EQ(deleted.exit_code(), 0) << deleted.out << deleted.err;
    EXPECT_TRUE(std::regex_search(deleted.out, std::regex(R"(^Deleted ID \d+\n$)"))) << deleted.out;
    EXPECT_EQ(flood(pair, 100), 100) << "deleting the program brings the traffic back";

    // The unsafe variant: the verifier refuses it at the line that reads the unchecked header; add program fails and
    // the script stops there (its next line does not run).
    const std::string unsafe = (dir.path() / "droppacket_unsafe.c").string();
    fs::copy_file(std::string(DEMO_SOURCE_DIR) + "/droppacket_unsafe.c", unsafe);
    auto unsafe_built = clang({"-g", "-Werror"}, unsafe, dir.path() / "droppacket_unsafe.o");
    ASSERT_EQ(unsafe_built.exit_code(), 0) << unsafe_built.err;
    auto refused = replay(dir.path(), "show verification droppacket_unsafe.o xdp\n", netns);
    EXPECT_EQ(refused.exit_code(), 1) << refused.out << refused.err;
    EXPECT_THAT(refused.out, HasSubstr("Verification failed"));
    EXPECT_TRUE(std::regex_search(refused.out, std::regex(R"(Source line: .*droppacket_unsafe\.c:\d+: .*udp_header)")))
        << refused.out;
    auto not_added = replay(dir.path(),
                            "add program droppacket_unsafe.o xdp interface=" + pair.interface(VethPair::b) +
                                "\nshow program-types\n",
                            netns);
    EXPECT_EQ(not_added.exit_code(), 1) << not_added.out << not_added.err;
    EXPECT_THAT(not_added.out, Not(HasSubstr("Loaded with ID")));
    EXPECT_THAT(not_added.out, Not(HasSubstr("xdp"))) << "the script stops at its first failing line";
    EXPECT_EQ(flood(pair, 100), 100);
}

TEST_F(Demo, BindCounterTutorialAsWritten)
{
    winbpf::test::TempDir dir;
    const std::string source = (dir.path() / "bind_counter.c").string();
    fs::copy_file(std::string(DEMO_SOURCE_DIR) + "/bind_counter.c", source);
    auto built = clang({"-g", "-Werror"}, source, dir.path() / "bind_counter.o");
    ASSERT_EQ(built.exit_code(), 0) << built.err;

    winbpf::test::TestCgroup cgroup;
    auto added = replay(dir.path(), "add program bind_counter.o bind cgroup=" + cgroup.path().string() +
                                        "\nshow programs type=bind\nshow maps\n");
    ASSERT_EQ(added.exit_code(), 0) << added.out << added.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(added.out, m, std::regex(R"(Loaded with ID (\d+)\n)"))) << added.out;
    const std::string id = m[1];
    EXPECT_TRUE(std::regex_search(added.out, std::regex("\n *" + id + R"( .* bind +CountBinds\n)"))) << added.out;
    EXPECT_TRUE(std::regex_search(added.out, std::regex(R"( hash .* bind_count_map\n)"))) << added.out;

    cgroup.enter();
    std::vector<int> binds;
    for (int i = 0; i < 3; ++i) {
        winbpf::test::Socket socket(winbpf::test::Family::v4, winbpf::test::Protocol::udp);
        binds.push_back(socket.bind(0));
    }
    cgroup.leave();
    EXPECT_EQ(binds, std::vector<int>({0, 0, 0}));

    // The map's contents: this process's binds, by its id.
    auto map = replay(dir.path(), "show map bind_count_map\n");
    ASSERT_EQ(map.exit_code(), 0) << map.out << map.err;
    EXPECT_THAT(map.out, HasSubstr("1 entry"));
    EXPECT_THAT(map.out, HasSubstr(std::to_string(::getpid())));
    EXPECT_THAT(map.out, HasSubstr("(uint32_t)3"));

    auto deleted = replay(dir.path(), "delete program " + id + "\nshow programs type=bind\n");
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.out << deleted.err;
    EXPECT_THAT(deleted.out, HasSubstr("Deleted ID " + id));
    EXPECT_THAT(deleted.out, Not(HasSubstr("CountBinds")));
}

// winbpf with arguments in the network namespace at netns.
winbpf::test::CommandResult winbpf_in(const std::string &netns, const std::vector<std::string> &arguments)
{
    std::vector<std::string> argv{"/usr/bin/nsenter", "--net=" + netns, cli};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run(argv);
}

// The id in "Loaded with ID N"; empty when out has none.
std::string loaded_id(const std::string &out)
{
    std::smatch m;
    return std::regex_search(out, m, std::regex(R"(Loaded with ID (\d+)\n)")) ? std::string(m[1]) : std::string();
}

// `show programs id=ID --json`'s one row (null when it lists none).
nlohmann::json program_row(const std::string &id, const std::string &netns = {})
{
    auto shown = netns.empty() ? winbpf_run({"show", "programs", "id=" + id, "--json"})
                               : winbpf_in(netns, {"show", "programs", "id=" + id, "--json"});
    EXPECT_EQ(shown.exit_code(), 0) << shown.err;
    const nlohmann::json rows = nlohmann::json::parse(shown.out);
    return rows.size() == 1 ? rows[0] : nlohmann::json();
}

// netsh's `set program ID attached=no|yes` on the demo's xdp program: detached, it stays loaded and pinned and the
// flood arrives; attached again (positional parameters in netsh's tag order: id, attached, pinpath, interface), the
// flood drops again. Each error says why: exit 1, usage errors exit 2.
TEST_F(Demo, SetProgramDetachesAndAttachesXdpAgain)
{
    VethPair pair;
    const std::string netns = pair.netns_path(VethPair::b);
    const std::string interface = pair.interface(VethPair::b);
    auto added = winbpf_in(netns, {"add", "program", DROPPACKET_OBJECT, "xdp", "interface=" + interface});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    const std::string id = loaded_id(added.out);
    ASSERT_FALSE(id.empty()) << added.out;
    EXPECT_LE(flood(pair, 100), 2) << "added: attached";

    auto twice = winbpf_in(netns, {"set", "program", id, "attached=yes", "interface=" + interface});
    EXPECT_EQ(twice.exit_code(), 1);
    EXPECT_THAT(twice.err, HasSubstr("program ID " + id + " is attached already"));

    auto detached = winbpf_in(netns, {"set", "program", "id=" + id, "attached=no"});
    ASSERT_EQ(detached.exit_code(), 0) << detached.err;
    EXPECT_EQ(detached.out, "Detached ID " + id + "\n");
    EXPECT_EQ(detached.err, "");
    EXPECT_EQ(flood(pair, 100), 100) << "detached: every datagram arrives";
    const nlohmann::json row = program_row(id);
    ASSERT_FALSE(row.is_null()) << "detached, the program stays loaded";
    EXPECT_EQ(row["links"], 0);
    EXPECT_GE(row["pins"], 1);
    auto unattached = winbpf_run({"show", "programs", "attached=no", "type=xdp"});
    EXPECT_TRUE(std::regex_search(unattached.out, std::regex("\n *" + id + R"( +\d+ +0 .* xdp +DropPacket\n)")))
        << unattached.out;

    // Errors while detached: nothing changes.
    auto again = winbpf_in(netns, {"set", "program", id, "attached=no"});
    EXPECT_EQ(again.exit_code(), 1);
    EXPECT_THAT(again.err, HasSubstr("program ID " + id + " is not attached"));
    auto no_interface = winbpf_in(netns, {"set", "program", id, "attached=yes"});
    EXPECT_EQ(no_interface.exit_code(), 1);
    EXPECT_THAT(no_interface.err, HasSubstr("is an xdp program: give the interface it attaches to"));
    auto unknown_interface = winbpf_in(netns, {"set", "program", id, "attached=yes", "interface=nosuch0"});
    EXPECT_EQ(unknown_interface.exit_code(), 1);
    EXPECT_THAT(unknown_interface.err, HasSubstr("Interface parameter is invalid. (no interface 'nosuch0'"));
    auto cgroup_given = winbpf_in(netns, {"set", "program", id, "attached=yes", "cgroup=/sys/fs/cgroup"});
    EXPECT_EQ(cgroup_given.exit_code(), 1);
    EXPECT_THAT(cgroup_given.err, HasSubstr("Cgroup parameter is not allowed for program types that don't support "
                                            "cgroups. (DropPacket__winbpf_xdp_xdp: program types xdp)"));
    EXPECT_EQ(program_row(id)["links"], 0);
    EXPECT_EQ(flood(pair, 100), 100);

    // Attached again, with netsh's positional parameters (id, attached; interface by its tag).
    auto reattached = winbpf_in(netns, {"set", "program", id, "yes", "interface=" + interface});
    ASSERT_EQ(reattached.exit_code(), 0) << reattached.err;
    EXPECT_EQ(reattached.out, "Attached ID " + id + "\n");
    EXPECT_LE(flood(pair, 100), 2) << "attached again: the flood drops";
    EXPECT_EQ(program_row(id)["links"], 1);

    // pinpath= pins it at one more path (an existing one is refused before anything changes); delete removes it.
    const std::string extra = "/sys/fs/bpf/winbpf_set_program_test_" + std::to_string(::getpid());
    struct Unpin {
        std::string path;
        ~Unpin() { ::unlink(path.c_str()); }
    } unpin{extra};
    auto pinned = winbpf_in(netns, {"set", "program", id, "pinpath=" + extra});
    ASSERT_EQ(pinned.exit_code(), 0) << pinned.err;
    EXPECT_EQ(pinned.out, "Pinned ID " + id + " at " + extra + "\n");
    EXPECT_TRUE(fs::exists(extra));
    auto taken = winbpf_in(netns, {"set", "program", id, "attached=no", "pinpath=" + extra});
    EXPECT_EQ(taken.exit_code(), 1);
    EXPECT_THAT(taken.err, HasSubstr("pinpath=" + extra + ": it exists already"));
    EXPECT_EQ(program_row(id)["links"], 1) << "a refused pinpath changes nothing";

    auto deleted = winbpf_in(netns, {"delete", "program", id});
    ASSERT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_EQ(deleted.err, "");
    EXPECT_FALSE(fs::exists(extra));
    EXPECT_EQ(flood(pair, 100), 100);
}

TEST(DemoUsage, SetProgramUsageAndUnknownId)
{
    struct Case {
        std::vector<std::string> arguments;
        int exit_code;
        std::string message;
    };
    for (const Case &c :
         {Case{{"set", "program"}, 2, "id is required"},
          Case{{"set", "program", "7"}, 2, "attached or pinpath is required"},
          Case{{"set", "program", "7", "attached=maybe"}, 2, "attached=maybe is invalid (expected yes or no)"},
          Case{{"set", "program", "7", "yes", "sys/fs/bpf/x"}, 2, "pinpath=sys/fs/bpf/x is not an absolute path"},
          Case{{"set", "program", "7", "no", "interface=lo"},
               2,
               "interface=lo says where to attach: it goes with attached=yes"},
          Case{{"set", "program", "4294967295", "attached=no"},
               1,
               "no program with ID 4294967295 was added by winbpf"}}) {
        auto result = winbpf_run(c.arguments);
        EXPECT_EQ(result.exit_code(), c.exit_code) << c.arguments.size() << " " << result.err;
        EXPECT_THAT(result.err, HasSubstr(c.message));
        if (c.exit_code == 2) {
            EXPECT_THAT(result.err, HasSubstr("usage: winbpf set program [id=]ID [attached=]yes|no"));
        }
    }
}

// The id of program_id's map named name; 0 (and a failure) when it has none.
std::uint32_t map_of(const std::string &program_id, const std::string &name)
{
    const winbpf::UniqueFd program(bpf_prog_get_fd_by_id(static_cast<__u32>(std::stoul(program_id))));
    EXPECT_TRUE(program) << std::strerror(errno);
    __u32 maps[8] = {};
    bpf_prog_info info{};
    info.nr_map_ids = 8;
    info.map_ids = reinterpret_cast<std::uintptr_t>(maps);
    __u32 length = sizeof(info);
    EXPECT_EQ(bpf_obj_get_info_by_fd(program.get(), &info, &length), 0) << std::strerror(errno);
    for (__u32 i = 0; i < std::min<__u32>(info.nr_map_ids, 8); ++i) {
        const winbpf::UniqueFd map(bpf_map_get_fd_by_id(maps[i]));
        bpf_map_info map_info{};
        __u32 map_length = sizeof(map_info);
        if (map && bpf_obj_get_info_by_fd(map.get(), &map_info, &map_length) == 0 && name == map_info.name)
            return maps[i];
    }
    ADD_FAILURE() << "program " << program_id << " has no map " << name;
    return 0;
}

// The value `winbpf show map ID` prints for the one entry of a map whose values are of type (e.g. "uint32_t"), when
// key (empty: any) is in its output; -1 when it prints none.
long long shown_value(std::uint32_t map, const std::string &type, const std::string &key = {})
{
    auto shown = winbpf_run({"show", "map", std::to_string(map)});
    EXPECT_EQ(shown.exit_code(), 0) << shown.err;
    std::smatch m;
    if (!key.empty() && shown.out.find(key) == std::string::npos)
        return -1;
    return std::regex_search(shown.out, m, std::regex("\\(" + type + R"(\)(\d+))")) ? std::stoll(m[1]) : -1;
}

// The binds bind_counter counted for this process (its map shown by `winbpf show map ID`); -1 when none.
int binds_counted(const std::string &program_id)
{
    return static_cast<int>(shown_value(map_of(program_id, "bind_count_map"), "uint32_t", std::to_string(::getpid())));
}

// One UDP bind in cgroup; its result.
int bind_in(winbpf::test::TestCgroup &cgroup)
{
    cgroup.enter();
    winbpf::test::Socket socket(winbpf::test::Family::v4, winbpf::test::Protocol::udp);
    const int result = socket.bind(0);
    cgroup.leave();
    return result;
}

// set program on the tutorial's bind counter in the test's cgroup: detached, binds are not counted; attached again
// to the cgroup (cgroup=, a cgroup that does not exist refused), they are.
TEST_F(Demo, SetProgramDetachesAndAttachesABindProgramAgain)
{
    winbpf::test::TempDir dir;
    const std::string source = (dir.path() / "bind_counter.c").string();
    fs::copy_file(std::string(DEMO_SOURCE_DIR) + "/bind_counter.c", source);
    auto built = clang({"-g", "-Werror"}, source, dir.path() / "bind_counter.o");
    ASSERT_EQ(built.exit_code(), 0) << built.err;
    winbpf::test::TestCgroup cgroup;
    const std::string in_cgroup = "cgroup=" + cgroup.path().string();

    auto added = winbpf_run({"add", "program", (dir.path() / "bind_counter.o").string(), "bind", in_cgroup});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    const std::string id = loaded_id(added.out);
    ASSERT_FALSE(id.empty()) << added.out;
    ASSERT_EQ(bind_in(cgroup), 0);
    EXPECT_EQ(binds_counted(id), 1);

    auto detached = winbpf_run({"set", "program", id, "attached=no"});
    ASSERT_EQ(detached.exit_code(), 0) << detached.err;
    EXPECT_EQ(detached.out, "Detached ID " + id + "\n");
    ASSERT_EQ(bind_in(cgroup), 0);
    EXPECT_EQ(binds_counted(id), 1) << "detached: a bind is not counted";

    auto missing = winbpf_run({"set", "program", id, "attached=yes", "cgroup=" + cgroup.path().string() + "/nosuch"});
    EXPECT_EQ(missing.exit_code(), 1);
    EXPECT_THAT(missing.err, HasSubstr(cgroup.path().string() + "/nosuch"));
    auto interface = winbpf_run({"set", "program", id, "attached=yes", "interface=lo"});
    EXPECT_EQ(interface.exit_code(), 1);
    EXPECT_THAT(interface.err, HasSubstr("Interface parameter is not allowed for program types that don't support "
                                         "interfaces."));
    EXPECT_EQ(program_row(id)["links"], 0);

    auto attached = winbpf_run({"set", "program", "id=" + id, "attached=yes", in_cgroup});
    ASSERT_EQ(attached.exit_code(), 0) << attached.err;
    EXPECT_EQ(attached.out, "Attached ID " + id + "\n");
    EXPECT_GE(program_row(id)["links"], 1);
    ASSERT_EQ(bind_in(cgroup), 0);
    EXPECT_EQ(binds_counted(id), 2) << "attached again: the bind is counted";

    auto deleted = winbpf_run({"delete", "program", id});
    ASSERT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_EQ(deleted.err, "");
}

// An ebpf> script that adds a program and deletes it again: the delete is silent (this process holds nothing of the
// program it added) and true (the program is gone when the script ends).
TEST_F(Demo, ScriptThatAddsAndDeletesLeavesNothingAndSaysNothingMore)
{
    winbpf::test::TempDir dir;
    const std::string source = (dir.path() / "bind_counter.c").string();
    fs::copy_file(std::string(DEMO_SOURCE_DIR) + "/bind_counter.c", source);
    auto built = clang({"-g", "-Werror"}, source, dir.path() / "bind_counter.o");
    ASSERT_EQ(built.exit_code(), 0) << built.err;
    winbpf::test::TestCgroup cgroup;
    auto session = replay(dir.path(), "add program bind_counter.o bind cgroup=" + cgroup.path().string() +
                                          "\nshow programs type=bind\ndelete program bind_counter.o bind\n");
    ASSERT_EQ(session.exit_code(), 0) << session.out << session.err;
    const std::string id = loaded_id(session.out);
    ASSERT_FALSE(id.empty()) << session.out;
    EXPECT_THAT(session.out, HasSubstr("Deleted ID " + id + "\n"));
    EXPECT_THAT(session.err, Not(HasSubstr("still loaded")));
    EXPECT_THAT(session.err, Not(HasSubstr("warning")));
    const winbpf::UniqueFd program(bpf_prog_get_fd_by_id(static_cast<__u32>(std::stoul(id))));
    EXPECT_FALSE(program) << "program " << id << " is still loaded after the script";
}

// `winbpf show map ID --json`'s first entry's value as a little-endian number (its bytes: a map without BTF value
// types); -1 when it lists none.
long long first_value(std::uint32_t map)
{
    auto shown = winbpf_run({"show", "map", std::to_string(map), "--json"});
    EXPECT_EQ(shown.exit_code(), 0) << shown.err;
    const nlohmann::json entries = nlohmann::json::parse(shown.out)["entries"];
    if (entries.empty())
        return -1;
    std::istringstream bytes(entries[0]["values"][0]["bytes"].get<std::string>());
    unsigned long long value = 0;
    int shift = 0;
    for (std::string byte; bytes >> byte; shift += 8)
        value |= std::stoull(byte, nullptr, 16) << shift;
    return static_cast<long long>(value);
}

// The file's bytes.
std::string file_bytes(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// eBPF for Windows' older drop-packet sample, with legacy SEC("maps") struct bpf_map_def maps, built with the demo's
// line (-Wall -Werror, no -g): an object without BTF, which libbpf 1.x cannot open as it is. winbpf completes it with
// BTF of its own (the legacy maps and winbpf's maps moved to .maps and described, a FUNC and a line of each
// function): show compatibility says so, show verification passes, and in the ebpf> context the demo's add program
// drops the flood and counts it in the legacy map, which show map lists; delete program brings the traffic back.
TEST_F(Demo, LegacyMapsWithoutBtfLoadAsTheDemoBuildsThem)
{
    winbpf::test::TempDir dir;
    const std::string source = (dir.path() / "droppacket_legacy.c").string();
    fs::copy_file(std::string(DEMO_SOURCE_DIR) + "/droppacket_legacy.c", source);
    const fs::path object = dir.path() / "droppacket_legacy.o";
    auto built = clang({"-Wall", "-Werror"}, source, object);
    ASSERT_EQ(built.exit_code(), 0) << built.err;
    ASSERT_EQ(file_bytes(object).find(".BTF"), std::string::npos) << "built without -g: no BTF";
    ASSERT_NE(file_bytes(object).find("maps"), std::string::npos);

    EXPECT_EQ(programs_of(object.string()), programs_of(DROPPACKET_OBJECT))
        << "the same programs as Makefile.bpf's droppacket.o";
    auto compatibility = winbpf_run({"show", "compatibility", object.string()});
    EXPECT_EQ(compatibility.exit_code(), 0) << compatibility.err;
    EXPECT_THAT(compatibility.out, HasSubstr("built by plain clang in one pass"));
    EXPECT_THAT(compatibility.out, HasSubstr("compiled without -g"));
    for (const char *map : {"dropped_packet_map", "interface_index_map"})
        EXPECT_THAT(compatibility.out, HasSubstr(std::string("map '") + map +
                                                 "': legacy SEC(\"maps\") struct bpf_map_def turned into a BTF map "
                                                 "definition"));

    VethPair pair;
    const std::string netns = pair.netns_path(VethPair::b);
    ASSERT_EQ(flood(pair, 100), 100) << "before the demo every datagram arrives";
    auto verified = replay(dir.path(), "show verification droppacket_legacy.o xdp\n", netns);
    EXPECT_EQ(verified.exit_code(), 0) << verified.out << verified.err;
    EXPECT_THAT(verified.out, HasSubstr("Verification succeeded"));

    auto added = replay(dir.path(),
                        "add program droppacket_legacy.o xdp interface=" + pair.interface(VethPair::b) + "\n", netns);
    ASSERT_EQ(added.exit_code(), 0) << added.out << added.err;
    const std::string id = loaded_id(added.out);
    ASSERT_FALSE(id.empty()) << added.out;
    EXPECT_LE(flood(pair, 100), 2) << "the flood of empty datagrams drops to nearly nothing";

    // The legacy definitions as Linux maps (the kernel keeps 15 bytes of a name), and the drops counted in the one the
    // program updates.
    const std::uint32_t dropped = map_of(id, "dropped_packet_");
    auto shown = winbpf_run({"show", "map", std::to_string(dropped), "--json"});
    ASSERT_EQ(shown.exit_code(), 0) << shown.err;
    const nlohmann::json map = nlohmann::json::parse(shown.out);
    EXPECT_EQ(map["map_type"], "array");
    EXPECT_EQ(map["key_size"], 4);
    EXPECT_EQ(map["value_size"], 8);
    EXPECT_EQ(map["max_entries"], 1);
    const long long drops = first_value(dropped);
    EXPECT_GE(drops, 98) << shown.out;
    EXPECT_LE(drops, 100) << shown.out;
    EXPECT_EQ(first_value(map_of(id, "interface_index")), 0);

    auto deleted = replay(dir.path(), "delete program droppacket_legacy.o xdp\n", netns);
    ASSERT_EQ(deleted.exit_code(), 0) << deleted.out << deleted.err;
    EXPECT_EQ(flood(pair, 100), 100) << "deleting the program brings the traffic back";

    // The unsafe variant (the UDP header's bounds check removed), built the same way: the verifier refuses it, and
    // without source lines the report names the user's function.
    std::string text = file_bytes(source);
    const std::string check = "    if ((char*)(udp_header + 1) > (char*)ctx->data_end)\n        goto Done;\n";
    ASSERT_NE(text.find(check), std::string::npos);
    text.erase(text.find(check), check.size());
    std::ofstream(dir.path() / "droppacket_legacy_unsafe.c") << text;
    auto unsafe_built = clang({"-Wall", "-Werror"}, (dir.path() / "droppacket_legacy_unsafe.c").string(),
                              dir.path() / "droppacket_legacy_unsafe.o");
    ASSERT_EQ(unsafe_built.exit_code(), 0) << unsafe_built.err;
    auto refused = replay(dir.path(), "show verification droppacket_legacy_unsafe.o xdp\n", netns);
    EXPECT_EQ(refused.exit_code(), 1) << refused.out << refused.err;
    EXPECT_THAT(refused.out, HasSubstr("Verification failed"));
    EXPECT_THAT(refused.out, HasSubstr("Source line: droppacket_legacy_unsafe.c:0: DropPacket: no source line "
                                       "(compiled without -g)"));
}

// The same object completed ahead of time by Makefile.bpf's complete target loads with plain bpftool prog loadall
// (Debian's libbpf 1.1), which pins its entry program; the pins go at the end.
TEST_F(Demo, LegacyMapsWithoutBtfCompletedByMakefileLoadWithBpftool)
{
    winbpf::test::TempDir dir;
    const std::string source = (dir.path() / "droppacket_legacy.c").string();
    fs::copy_file(std::string(DEMO_SOURCE_DIR) + "/droppacket_legacy.c", source);
    const fs::path object = dir.path() / "droppacket_legacy.o", completed = dir.path() / "completed.o";
    auto built = clang({"-Wall", "-Werror"}, source, object);
    ASSERT_EQ(built.exit_code(), 0) << built.err;
    auto made = run({MAKE_PROGRAM, "-s", "-f", std::string(WINBPF_SOURCE_DIR) + "/Makefile.bpf", "complete",
                     "OBJ=" + object.string(), "OUT=" + completed.string(), std::string("BUILD=") + WINBPF_BUILD_DIR,
                     std::string("CLANG=") + CLANG_BPF});
    ASSERT_EQ(made.exit_code(), 0) << made.out << made.err;
    EXPECT_NE(file_bytes(completed).find(".BTF"), std::string::npos);
    EXPECT_EQ(std::set<std::string>({"completed.o"}), [&] {
        std::set<std::string> left; // the complete target's temporary files are gone
        for (const auto &entry : fs::directory_iterator(dir.path()))
            if (entry.path().filename().string().starts_with("completed"))
                left.insert(entry.path().filename().string());
        return left;
    }());

    winbpf::test::PinDir pins("winbpf_legacy_nobtf");
    auto loaded = run({winbpf::test::bpftool_path(), "prog", "loadall", completed.string(), pins.path().string()});
    ASSERT_EQ(loaded.exit_code(), 0) << loaded.out << loaded.err;
    EXPECT_TRUE(fs::exists(pins.path() / "DropPacket__winbpf_xdp_xdp")) << loaded.err;
}

// Without BTF, the legacy maps winbpf cannot give a BTF definition are refused, naming the map: a static one (libbpf
// loads maps of global linkage only) and a PERCPU_ARRAY over 32 KiB, which only Makefile.bpf's second pass can access;
// and legacy maps of a one-pass object built with -g, which winbpf does not complete, with what to do instead.
TEST_F(Demo, LegacyMapsThatCannotLoadAreRefusedNamingTheMap)
{
    winbpf::test::TempDir dir;
    const std::string head = "#include \"bpf_helpers.h\"\n#include \"xdp_hooks.h\"\n"
                             "SEC(\"maps\") struct bpf_map_def small = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, "
                             ".value_size = 8, .max_entries = 1};\n";
    const std::string handler = "SEC(\"xdp\") int Handler(xdp_md_t* ctx)\n{\n    uint32_t key = 0;\n"
                                "    uint64_t* value = bpf_map_lookup_elem(&big, &key);\n"
                                "    uint64_t* other = bpf_map_lookup_elem(&small, &key);\n"
                                "    return value && other && value[7] != *other ? XDP_DROP : XDP_PASS;\n}\n";
    std::ofstream(dir.path() / "static_map.c")
        << head
        << "static SEC(\"maps\") struct bpf_map_def big = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, "
           ".value_size = 64, .max_entries = 1};\n"
        << handler;
    std::ofstream(dir.path() / "big_percpu.c")
        << head
        << "SEC(\"maps\") struct bpf_map_def big = {.type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, "
           ".value_size = 65536, .max_entries = 1};\n"
        << handler;
    for (const char *name : {"static_map", "big_percpu"}) {
        auto built = clang({"-Wall", "-Werror"}, (dir.path() / (std::string(name) + ".c")).string(),
                           dir.path() / (std::string(name) + ".o"));
        ASSERT_EQ(built.exit_code(), 0) << built.err;
    }
    auto static_map = winbpf_run({"show", "verification", (dir.path() / "static_map.o").string(), "xdp"});
    EXPECT_EQ(static_map.exit_code(), 1) << static_map.out;
    EXPECT_THAT(static_map.err, HasSubstr("map 'big': a static SEC(\"maps\") map"));
    EXPECT_THAT(static_map.err, HasSubstr("declare it without static"));

    auto refused = winbpf_run({"show", "verification", (dir.path() / "big_percpu.o").string(), "xdp"});
    EXPECT_EQ(refused.exit_code(), 1) << refused.out;
    EXPECT_THAT(refused.err, HasSubstr("map 'big': a PERCPU_ARRAY with a value of 65536 bytes"));
    EXPECT_THAT(refused.err, HasSubstr("build it with Makefile.bpf"));

    fs::copy_file(std::string(DEMO_SOURCE_DIR) + "/droppacket_legacy.c", dir.path() / "droppacket_legacy.c");
    auto with_g =
        clang({"-g", "-Werror"}, (dir.path() / "droppacket_legacy.c").string(), dir.path() / "droppacket_legacy.o");
    ASSERT_EQ(with_g.exit_code(), 0) << with_g.err;
    auto not_completed = winbpf_run({"show", "sections", (dir.path() / "droppacket_legacy.o").string()});
    EXPECT_EQ(not_completed.exit_code(), 1) << not_completed.out;
    EXPECT_THAT(not_completed.err, testing::ContainsRegex("map '(dropped_packet_map|interface_index_map)': a legacy "
                                                          "SEC\\(\"maps\"\\) map in an object built with -g"));
    EXPECT_THAT(not_completed.err,
                HasSubstr("build it without -g (as eBPF for Windows' demo does) or with Makefile.bpf"));
}

} // namespace
