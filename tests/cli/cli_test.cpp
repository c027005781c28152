// SPDX-License-Identifier: MIT
// The `winbpf` verbs: their output (text and --json), and their errors in the user's language.
#include "support/bpftool.hpp"
#include "support/cgroup.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/netns.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"

#include <bpf/libbpf.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

namespace
{

namespace fs = std::filesystem;
using testing::HasSubstr;
using testing::Not;
using winbpf::test::run;

const std::string cli = WINBPF_CLI_PATH;

std::string loader_object(const std::string &name)
{
    return std::string(LOADER_TEST_BPF_DIR) + "/" + name;
}

class Cli : public winbpf::test::KernelTest
{
  protected:
    Cli() : KernelTest("/sys/fs/bpf/winbpf") {}
};

// Runs winbpf with arguments; the result.
winbpf::test::CommandResult winbpf_run(const std::vector<std::string> &arguments)
{
    std::vector<std::string> argv{cli};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run(argv);
}

// stdout of a successful --json command, parsed.
nlohmann::json json_of(const std::vector<std::string> &arguments)
{
    auto result = winbpf_run(arguments);
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    try {
        return nlohmann::json::parse(result.out);
    } catch (const std::exception &e) {
        ADD_FAILURE() << "not JSON: " << e.what() << "\n" << result.out;
        return {};
    }
}

// A copy of the first bytes of file in dir.
std::string cut_copy(const std::string &file, const fs::path &dir, std::size_t keep)
{
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string path = (dir / "cut.o").string();
    std::ofstream(path, std::ios::binary) << bytes.substr(0, std::min(keep, bytes.size()));
    return path;
}

TEST(CliUsage, UsageErrorsExitTwoWithTheVerbsUsage)
{
    struct Case {
        std::vector<std::string> arguments;
        std::string message, usage;
    };
    for (const Case &c : {
             Case{{}, "A subcommand is required", "usage: winbpf add|delete|show|pin|unpin"},
             Case{{"frobnicate"},
                  "unknown verb 'frobnicate' (expected add, delete, show, pin, unpin)",
                  "usage: winbpf add|delete|show|pin|unpin"},
             Case{{"show", "program"}, "unknown verb 'program' (expected programs, maps", "usage: winbpf show "},
             Case{{"delete", "program", "abc"}, "abc", "usage: winbpf delete program ID"},
             Case{{"delete", "program"}, "ID is required", "usage: winbpf delete program ID"},
             Case{{"show", "programs", "level=loud"}, "level=loud is invalid", "usage: winbpf show programs"},
             Case{{"show", "programs", "colour=red"}, "unknown parameter 'colour'", "usage: winbpf show programs"},
             Case{{"add", "program", DROPPACKET_OBJECT, "colour=red"},
                  "unknown parameter 'colour'",
                  "usage: winbpf add program FILE"},
             Case{{"add", "program", DROPPACKET_OBJECT, "pinned=some"},
                  "pinned=some is invalid",
                  "usage: winbpf add program FILE"},
             Case{{"show", "verification", DROPPACKET_OBJECT, "sections=xdp"},
                  "unknown parameter 'sections'",
                  "usage: winbpf show verification FILE"},
             Case{{"show", "map"}, "MAP is required", "usage: winbpf show map ID|NAME"},
             Case{{"pin", "prog", "1", "/sys/fs/bpf/x"}, "prog", "usage: winbpf pin program|map ID PATH"},
         }) {
        auto result = winbpf_run(c.arguments);
        EXPECT_EQ(result.exit_code(), 2) << c.usage << "\n" << result.err;
        EXPECT_THAT(result.err, HasSubstr(c.message));
        EXPECT_THAT(result.err, HasSubstr(c.usage));
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 2) << "one line and the usage:\n"
                                                                             << result.err;
        EXPECT_EQ(result.out, "");
    }
    auto help = winbpf_run({"show", "--help"});
    EXPECT_EQ(help.exit_code(), 0);
    EXPECT_THAT(help.out, HasSubstr("program-types"));
}

TEST(CliUsage, NonRootIsToldWhatItNeeds)
{
    for (const std::vector<std::string> &arguments :
         {std::vector<std::string>{"show", "programs"}, {"show", "maps"}, {"add", "program", DROPPACKET_OBJECT}}) {
        std::vector<std::string> argv{cli};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        auto child = winbpf::test::Child::spawn(argv, winbpf::test::Output::capture, 65534);
        auto status = child.wait(std::chrono::seconds(30));
        EXPECT_TRUE(winbpf::test::exited_with(status, 1)) << winbpf::test::describe_status(status);
        EXPECT_THAT(child.err(), HasSubstr("winbpf: must run as root or with CAP_BPF, "));
        EXPECT_THAT(child.err(), Not(HasSubstr("RLIMIT_MEMLOCK"))) << child.err();
        EXPECT_THAT(child.err(), Not(HasSubstr("libbpf"))) << child.err();
    }
}

TEST(CliFiles, FileErrorsSpeakTheUsersLanguage)
{
    winbpf::test::TempDir dir;
    const std::string truncated = cut_copy(DROPPACKET_OBJECT, dir.path(), 1000);
    struct Case {
        std::string file, message;
    };
    for (const std::string verb : {"sections", "verification", "disassembly", "compatibility"})
        for (const Case &c : {
                 Case{"/nonexistent/winbpf.o", "cannot open '/nonexistent/winbpf.o': No such file or directory"},
                 Case{"/etc/hostname", "is not an ELF object file"},
                 Case{"/bin/true", "not a BPF object"},
                 Case{truncated, "is a truncated ELF file: 1000 bytes"},
                 Case{loader_object("loader_test_linux_only.o"), "no Windows hook program"},
             }) {
            auto result = winbpf_run({"show", verb, c.file});
            EXPECT_EQ(result.exit_code(), 1) << verb << " " << c.file;
            EXPECT_THAT(result.err, HasSubstr(c.message)) << verb;
            EXPECT_THAT(result.err, Not(HasSubstr("Unknown error")));
        }
    auto add = winbpf_run({"add", "program", truncated});
    EXPECT_EQ(add.exit_code(), 1);
    EXPECT_THAT(add.err, HasSubstr("is a truncated ELF file"));
}

TEST(CliFiles, ShowSections)
{
    auto result = winbpf_run({"show", "sections", DROPPACKET_OBJECT});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_TRUE(std::regex_search(result.out,
                                  std::regex(R"(\nxdp\s+DropPacket__winbpf_xdp_xdp\s+xdp\s+DropPacket\s+xdp\s+\d+\n)")))
        << result.out;
    EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(\ndropped_packet_map\s+array\s+4\s+8\s+1\n)")))
        << result.out;
    nlohmann::json sections = json_of({"show", "sections", DROPPACKET_OBJECT, "--json"});
    ASSERT_EQ(sections["programs"].size(), 1u);
    EXPECT_EQ(sections["programs"][0]["handler"], "DropPacket");
    EXPECT_EQ(sections["programs"][0]["program_type"], "xdp");
    EXPECT_GT(sections["programs"][0]["instructions"].get<int>(), 10);
    bool found = false;
    for (const auto &map : sections["maps"])
        found = found || (map["name"] == "interface_index_map" && map["map_type"] == "array" &&
                          map["value_size"] == 4 && map["max_entries"] == 1);
    EXPECT_TRUE(found) << sections.dump();
}

TEST_F(Cli, ShowVerification)
{
    auto good = winbpf_run({"show", "verification", DROPPACKET_OBJECT});
    EXPECT_EQ(good.exit_code(), 0) << good.err;
    EXPECT_THAT(good.out, HasSubstr("DropPacket__winbpf_xdp_xdp (DropPacket, xdp hook): "));
    EXPECT_THAT(good.out, testing::EndsWith("Verification succeeded\n"));
    auto selected = winbpf_run({"show", "verification", DROPPACKET_OBJECT, "section=xdp", "program=DropPacket"});
    EXPECT_EQ(selected.exit_code(), 0) << selected.err;
    nlohmann::json json = json_of({"show", "verification", DROPPACKET_OBJECT, "--json"});
    EXPECT_EQ(json["result"], "succeeded");
    EXPECT_GT(json["programs"][0]["verified_insns"].get<int>(), 10);
    EXPECT_GE(json["programs"][0]["verification_us"].get<int>(), 0) << "the verifier's time of each program";

    auto none = winbpf_run({"show", "verification", DROPPACKET_OBJECT, "program=Nope"});
    EXPECT_EQ(none.exit_code(), 1);
    EXPECT_THAT(none.err, HasSubstr("no program named Nope"));

    // A deliberately unsafe program (reads stack it never wrote): the log, the source line, "Verification failed".
    auto bad = winbpf_run({"show", "verification", loader_object("loader_test_reject.o")});
    EXPECT_EQ(bad.exit_code(), 1);
    EXPECT_THAT(bad.out, HasSubstr("read from stack"));
    EXPECT_TRUE(std::regex_search(bad.out, std::regex(R"(Source line: [^\n]*loader_test_reject\.c:\d+: )"))) << bad.out;
    EXPECT_THAT(bad.out, testing::EndsWith("Verification failed\n"));
    auto bad_json = winbpf_run({"show", "verification", loader_object("loader_test_reject.o"), "--json"});
    EXPECT_EQ(bad_json.exit_code(), 1);
    nlohmann::json report = nlohmann::json::parse(bad_json.out);
    EXPECT_EQ(report["result"], "failed");
    EXPECT_THAT(report["source_line"]["file"].get<std::string>(), HasSubstr("loader_test_reject.c"));
}

TEST_F(Cli, ShowDisassemblyAnnotatesTheHandlersSource)
{
    auto result = winbpf_run({"show", "disassembly", DROPPACKET_OBJECT});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_THAT(result.out, HasSubstr("Program DropPacket__winbpf_xdp_xdp (section xdp, DropPacket, xdp hook)"));
    // The user's handler, not only the generated entry code.
    EXPECT_TRUE(std::regex_search(
        result.out,
        std::regex(R"(\n; +if \(ntohs\(udp_header->length\) <= sizeof\(UDP_HEADER\)\) \{ @ droppacket\.c:\d+\n)")))
        << result.out;
    EXPECT_THAT(result.out, HasSubstr("WINBPF_XDP_ENTRY(DropPacket) @ droppacket.o.glue.c:"));
    EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(\n +0: r\d = )"))) << result.out;
    EXPECT_THAT(result.out, HasSubstr(": exit\n"));
    EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(: r1 = map\[id:\d+\]\n)"))) << result.out;

    nlohmann::json json = json_of({"show", "disassembly", DROPPACKET_OBJECT, "--json"});
    ASSERT_EQ(json.size(), 1u);
    bool handler_line = false;
    for (const auto &insn : json[0]["instructions"])
        handler_line = handler_line || (insn["source"].is_object() &&
                                        insn["source"]["file"].get<std::string>().ends_with("droppacket.c"));
    EXPECT_TRUE(handler_line);
}

TEST(CliTypes, ShowProgramTypes)
{
    auto result = winbpf_run({"show", "program-types"});
    ASSERT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_TRUE(std::regex_search(
        result.out,
        std::regex(
            R"(\nxdp\s+xdp\s+xdp_md_t\s+f1832a85-85d5-45b0-98a0-7069d63013b0\s+85e0d8ef-579e-4931-b072-8ee226bb2e9d\n)")))
        << result.out;
    EXPECT_TRUE(std::regex_search(
        result.out, std::regex(R"(\nprocess\s+process\s+process_md_t\s+22ea7b37-1043-4d0d-b60d-cafa1c7b638e)")));
    EXPECT_THAT(result.out, HasSubstr("bind4: cgroup/bind4 - BIND (IPv4)"));
    nlohmann::json json = json_of({"show", "program-types", "--json"});
    std::set<std::string> names;
    for (const auto &type : json) {
        names.insert(type["name"]);
        EXPECT_FALSE(type["linux_hooks"].empty()) << type.dump();
    }
    EXPECT_EQ(names, (std::set<std::string>{"process", "bind", "netevent_monitor", "xdp"}));
}

TEST_F(Cli, ShowCompatibility)
{
    auto plain = winbpf_run({"show", "compatibility", DROPPACKET_OBJECT});
    ASSERT_EQ(plain.exit_code(), 0) << plain.err;
    EXPECT_THAT(plain.out, HasSubstr("No adaptations: "));
    auto perf = winbpf_run({"show", "compatibility", std::string(PROCESS_TEST_BPF_DIR) + "/netevent_perf.o"});
    ASSERT_EQ(perf.exit_code(), 0) << perf.err;
    EXPECT_THAT(perf.out, HasSubstr("Adapted map '"));
    EXPECT_THAT(perf.out, HasSubstr("PERF_EVENT_ARRAY"));
    nlohmann::json json =
        json_of({"show", "compatibility", std::string(PROCESS_TEST_BPF_DIR) + "/netevent_perf.o", "--json"});
    EXPECT_FALSE(json["adaptations"].empty());
}

// droppacket added on a veth pair's end: maps, the typed map view, links, pins, pin and unpin, errors of ids.
TEST_F(Cli, ObjectsOfAnAddedProgram)
{
    winbpf::test::VethPair pair;
    using Side = winbpf::test::VethPair;
    auto added = run({"/usr/bin/nsenter", "--net=" + pair.netns_path(Side::b), cli, "add", "program", DROPPACKET_OBJECT,
                      "interface=" + pair.interface(Side::b)});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(added.out, m, std::regex(R"(^Loaded with ID (\d+)\n$)"))) << added.out;
    const std::uint32_t id = static_cast<std::uint32_t>(std::stoul(m[1]));

    // 3 empty datagrams dropped and counted.
    winbpf::UniqueFd receiver = winbpf::test::udp_socket_in(pair.netns_path(Side::b), pair.address(Side::b));
    winbpf::UniqueFd sender = winbpf::test::udp_socket_in(pair.netns_path(Side::a), pair.address(Side::a));
    for (int i = 0; i < 3; ++i)
        winbpf::test::send_datagram(sender.get(), pair.address(Side::b), winbpf::test::bound_port(receiver.get()), 0);
    winbpf::test::send_datagram(sender.get(), pair.address(Side::b), winbpf::test::bound_port(receiver.get()), 5);
    ASSERT_EQ(winbpf::test::receive_datagram(receiver.get(), 5000), 5);

    // show programs: one xdp row; bpftool knows it.
    nlohmann::json programs = json_of({"show", "programs", "type=xdp", "--json"});
    ASSERT_EQ(programs.size(), 1u) << programs.dump();
    EXPECT_EQ(programs[0]["id"], id);
    EXPECT_EQ(programs[0]["name"], "DropPacket");
    EXPECT_EQ(programs[0]["links"], 1);
    EXPECT_TRUE(winbpf::test::bpftool_program_ids().count(id));
    std::vector<std::uint32_t> map_ids = programs[0]["linux_programs"][0]["map_ids"];

    // show maps: netsh's columns and lower-case types.
    auto maps = winbpf_run({"show", "maps"});
    ASSERT_EQ(maps.exit_code(), 0) << maps.err;
    EXPECT_TRUE(std::regex_search(
        maps.out, std::regex(R"(\n +ID  Map Type +Key Size  Value Size  Max Entries  Inner ID  Pins  Name\n)")))
        << maps.out;
    std::uint32_t dropped_map = 0;
    for (const auto &map : json_of({"show", "maps", "--json"}))
        if (map["name"] == "dropped_packet_" && std::find(map_ids.begin(), map_ids.end(), map["id"]) != map_ids.end())
            dropped_map = map["id"];
    ASSERT_NE(dropped_map, 0u) << "the kernel keeps 15 characters of dropped_packet_map";
    EXPECT_TRUE(std::regex_search(
        maps.out, std::regex("\n *" + std::to_string(dropped_map) + R"(  array +4 +8 +1 +0 +0  dropped_packet_\n)")))
        << maps.out;

    // show map: typed by BTF.
    auto map = winbpf_run({"show", "map", std::to_string(dropped_map)});
    ASSERT_EQ(map.exit_code(), 0) << map.err;
    EXPECT_THAT(
        map.out,
        HasSubstr(
            "(array), key 4 bytes, value 8 bytes, max entries 1\n1 entry\nkey: (uint32_t)0  value: (uint64_t)3\n"));
    // By its name as the program declares it (the kernel keeps 15 characters).
    auto by_name = winbpf_run({"show", "map", "dropped_packet_map"});
    EXPECT_EQ(by_name.out, map.out) << by_name.err;
    nlohmann::json entries = json_of({"show", "map", std::to_string(dropped_map), "--json"});
    ASSERT_EQ(entries["entries"].size(), 1u);
    EXPECT_EQ(entries["entries"][0]["key"], "(uint32_t)0");
    EXPECT_EQ(entries["entries"][0]["values"][0]["value"], "(uint64_t)3");
    EXPECT_EQ(entries["entries"][0]["values"][0]["bytes"], "03 00 00 00 00 00 00 00");
    // --watch refreshes: more drops show up in a later snapshot.
    auto watch = winbpf::test::Child::spawn({cli, "show", "map", std::to_string(dropped_map), "--watch", "0.2"},
                                            winbpf::test::Output::capture);
    EXPECT_TRUE(watch.read_until([&] { return watch.out().find("value: (uint64_t)3\n") != std::string::npos; },
                                 std::chrono::seconds(10)))
        << watch.out();
    for (int i = 0; i < 2; ++i)
        winbpf::test::send_datagram(sender.get(), pair.address(Side::b), winbpf::test::bound_port(receiver.get()), 0);
    EXPECT_TRUE(watch.read_until([&] { return watch.out().find("value: (uint64_t)5\n") != std::string::npos; },
                                 std::chrono::seconds(10)))
        << watch.out();
    watch.signal(SIGINT);
    EXPECT_TRUE(watch.wait(std::chrono::seconds(10)).has_value());

    auto scratch = winbpf_run({"show", "map", "no_such_map"});
    EXPECT_EQ(scratch.exit_code(), 1);
    EXPECT_THAT(scratch.err, HasSubstr("no map named 'no_such_map'"));

    // show links and pins.
    bool link_found = false;
    for (const auto &link : json_of({"show", "links", "--json"}))
        link_found = link_found || (link["program_id"] == id && link["link_type"] == "xdp" &&
                                    link["target"] == "ifindex " + std::to_string(pair.ifindex(Side::b)));
    EXPECT_TRUE(link_found);
    auto pins = winbpf_run({"show", "pins"});
    ASSERT_EQ(pins.exit_code(), 0) << pins.err;
    EXPECT_THAT(pins.out, HasSubstr("/sys/fs/bpf/winbpf/" + std::to_string(id) + "/DropPacket__winbpf_xdp_xdp\n"));

    // pin and unpin.
    const std::string pin_path = "/sys/fs/bpf/winbpf-cli-test-" + std::to_string(::getpid());
    auto pinned = winbpf_run({"pin", "map", std::to_string(dropped_map), pin_path});
    ASSERT_EQ(pinned.exit_code(), 0) << pinned.err;
    EXPECT_TRUE(fs::exists(pin_path));
    auto wrong = winbpf_run({"unpin", "map", std::to_string(dropped_map + 100000), pin_path});
    EXPECT_EQ(wrong.exit_code(), 1);
    EXPECT_THAT(wrong.err, HasSubstr("does not pin map"));
    auto unpinned = winbpf_run({"unpin", "map", std::to_string(dropped_map), pin_path});
    EXPECT_EQ(unpinned.exit_code(), 0) << unpinned.err;
    EXPECT_FALSE(fs::exists(pin_path));

    // A hostile pin name (a terminal escape) is shown escaped in tables, and exactly in JSON.
    const std::string hostile = pin_path + "-\x1b[2J";
    ASSERT_EQ(winbpf_run({"pin", "map", std::to_string(dropped_map), hostile}).exit_code(), 0);
    auto shown = winbpf_run({"show", "pins"});
    EXPECT_THAT(shown.out, HasSubstr(pin_path + "-\\x1b[2J\n"));
    EXPECT_THAT(shown.out, Not(HasSubstr("\x1b")));
    bool exact = false;
    for (const auto &pin : json_of({"show", "pins", "--json"}))
        exact = exact || pin["path"] == hostile;
    EXPECT_TRUE(exact);
    EXPECT_EQ(winbpf_run({"unpin", "map", std::to_string(dropped_map), hostile}).exit_code(), 0);
    auto unknown = winbpf_run({"pin", "program", "4294967295", pin_path});
    EXPECT_EQ(unknown.exit_code(), 1);
    EXPECT_THAT(unknown.err, HasSubstr("no program with ID 4294967295"));

    auto deleted = winbpf_run({"delete", "program", std::to_string(id)});
    ASSERT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_TRUE(json_of({"show", "programs", "type=xdp", "--json"}).empty());
    EXPECT_TRUE(winbpf::test::wait_until_freed({id}, std::chrono::seconds(5)));
}

// pinpath= (netsh's pinned=first): the program is also pinned there and stays loaded after delete program, detached,
// until that pin goes.
TEST_F(Cli, PinpathKeepsTheProgramPinned)
{
    winbpf::test::VethPair pair;
    using Side = winbpf::test::VethPair;
    const std::string pin_path = "/sys/fs/bpf/winbpf-cli-pinpath-" + std::to_string(::getpid());
    auto added = run({"/usr/bin/nsenter", "--net=" + pair.netns_path(Side::b), cli, "add", "program", DROPPACKET_OBJECT,
                      "interface=" + pair.interface(Side::b), "pinpath=" + pin_path});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(added.out, m, std::regex(R"(Loaded with ID (\d+))"))) << added.out;
    const std::string id = m[1];
    bool pinned = false;
    for (const auto &pin : json_of({"show", "pins", "--json"}))
        pinned = pinned ||
                 (pin["path"] == pin_path && pin["kind"] == "program" && std::to_string(pin["id"].get<int>()) == id);
    EXPECT_TRUE(pinned);

    auto deleted = winbpf_run({"delete", "program", id});
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_TRUE(winbpf::test::bpftool_program_ids().count(static_cast<std::uint32_t>(std::stoul(id))));
    bool linked = false;
    for (const auto &link : json_of({"show", "links", "--json"}))
        linked = linked || std::to_string(link["program_id"].get<int>()) == id;
    EXPECT_FALSE(linked) << "detached by delete program";

    auto unpinned = winbpf_run({"unpin", "program", id, pin_path});
    EXPECT_EQ(unpinned.exit_code(), 0) << unpinned.err;
    EXPECT_TRUE(winbpf::test::wait_until_freed({static_cast<std::uint32_t>(std::stoul(id))}, std::chrono::seconds(5)));
}

// bind_monitor's process_map: struct fields by name through btf_dump, and the UTF-16LE app id as text.
TEST_F(Cli, ShowMapShowsUtf16AppIdsAsText)
{
    winbpf::test::TestCgroup cgroup;
    auto added = winbpf_run({"add", "program", BIND_MONITOR_OBJECT, "cgroup=" + cgroup.path().string()});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(added.out, m, std::regex(R"(Loaded with ID (\d+))"))) << added.out;
    const std::string id = m[1];
    cgroup.enter();
    winbpf::test::Socket socket(winbpf::test::Family::v4, winbpf::test::Protocol::udp);
    const int bound = socket.bind(0);
    cgroup.leave();
    ASSERT_EQ(bound, 0);

    std::vector<std::uint32_t> map_ids;
    for (const auto &program : json_of({"show", "programs", "type=bind", "--json"}))
        if (std::to_string(program["id"].get<std::uint32_t>()) == id)
            for (const auto &linux_program : program["linux_programs"])
                for (std::uint32_t map : linux_program["map_ids"])
                    map_ids.push_back(map);
    std::map<std::string, std::uint32_t> maps; // bind_monitor's maps by name
    for (const auto &map : json_of({"show", "maps", "--json"}))
        if (std::find(map_ids.begin(), map_ids.end(), map["id"]) != map_ids.end())
            maps[map["name"]] = map["id"];
    const std::uint32_t process_map = maps["process_map"];
    ASSERT_NE(process_map, 0u);

    // A ring buffer has no entries to list; a per-CPU array shows one value per CPU.
    auto ring = winbpf_run({"show", "map", std::to_string(maps["bind_ringbuf"])});
    EXPECT_EQ(ring.exit_code(), 0) << ring.err;
    EXPECT_THAT(ring.out, HasSubstr("A ringbuf map has no entries to list by key."));
    auto per_cpu = winbpf_run({"show", "map", std::to_string(maps["record_scratch"])});
    EXPECT_EQ(per_cpu.exit_code(), 0) << per_cpu.err;
    EXPECT_THAT(per_cpu.out, HasSubstr("(percpu_array)"));
    EXPECT_THAT(per_cpu.out, HasSubstr("\n    cpu 0: "));
    EXPECT_THAT(per_cpu.out, HasSubstr("\n    cpu " + std::to_string(libbpf_num_possible_cpus() - 1) + ": "));
    auto shown = winbpf_run({"show", "map", std::to_string(process_map)});
    ASSERT_EQ(shown.exit_code(), 0) << shown.err;
    EXPECT_THAT(shown.out, HasSubstr("(hash), key 8 bytes, value 72 bytes, max entries 16384\n1 entry\n"));
    EXPECT_THAT(shown.out, HasSubstr(".count = (uint32_t)1"));
    EXPECT_THAT(shown.out, HasSubstr(".name (UTF-16LE) \"winbpf_cli_tests\""));
    socket.close();
    auto deleted = winbpf_run({"delete", "program", id});
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
}

TEST_F(Cli, AddProgramParameterErrors)
{
    winbpf::test::VethPair pair;
    using Side = winbpf::test::VethPair;
    const std::string net = "--net=" + pair.netns_path(Side::b);
    struct Case {
        std::vector<std::string> arguments;
        std::string message;
    };
    for (const Case &c : {
             Case{{DROPPACKET_OBJECT, "interface=no-such-if0"}, "Interface parameter is invalid."},
             Case{{DROPPACKET_OBJECT}, "give the interface it attaches to (interface=IFNAME|IFINDEX)"},
             Case{{DROPPACKET_OBJECT, "interface=lo", "cgroup=/sys"},
                  "Cgroup parameter is not allowed for program types that don't support cgroups."},
             Case{{DROPPACKET_OBJECT, "interface=lo", "type=bind"}, "its programs are of type xdp, not bind"},
             Case{{DROPPACKET_OBJECT, "interface=lo", "type=xpd"}, "Program type is invalid."},
             Case{{loader_object("loader_test_monitor.o"), "interface=lo"},
                  "Interface parameter is not allowed for program types that don't support interfaces."},
             Case{{loader_object("loader_test_linux_only.o")}, "no Windows hook program"},
         }) {
        std::vector<std::string> argv{"/usr/bin/nsenter", net, cli, "add", "program"};
        argv.insert(argv.end(), c.arguments.begin(), c.arguments.end());
        auto result = run(argv);
        EXPECT_EQ(result.exit_code(), 1) << c.message << "\n" << result.err;
        EXPECT_THAT(result.err, HasSubstr(c.message));
        EXPECT_THAT(result.out, Not(HasSubstr("Loaded with ID")));
    }
    auto unknown = winbpf_run({"delete", "program", "4294967295"});
    EXPECT_EQ(unknown.exit_code(), 1);
    EXPECT_THAT(unknown.err, HasSubstr("no program with ID 4294967295 was added by winbpf"));
}

// Makefile.bpf leaves nothing half-built behind when a step fails.
TEST(CliMake, FailedBuildLeavesNoFiles)
{
    winbpf::test::TempDir dir;
    const fs::path broken = dir.path() / "broken.c";
    std::ofstream(broken) << "#include \"bpf_helpers.h\"\nSEC(\"xdp\") int Broken(void *ctx) { return }\n";
    for (const fs::path &source : {fs::path(PROCESS_TEST_SOURCE_BPF_DIR) / "section_typo.c", broken}) {
        const fs::path out = dir.path() / "out" / "prog.o";
        auto result = run({MAKE_PROGRAM, "--no-print-directory", "-f", std::string(WINBPF_SOURCE_DIR) + "/Makefile.bpf",
                           "SRC=" + source.string(), "OUT=" + out.string(), "BUILD=" + std::string(WINBPF_BUILD_DIR),
                           "CLANG=" + std::string(CLANG_BPF)});
        EXPECT_NE(result.exit_code(), 0) << source;
        std::vector<std::string> left;
        for (const auto &entry : fs::directory_iterator(out.parent_path()))
            left.push_back(entry.path().filename().string());
        EXPECT_TRUE(left.empty()) << source << " left " << testing::PrintToString(left);
    }
}

} // namespace
