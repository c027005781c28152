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

#include <bpf/bpf.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <linux/capability.h>
#include <map>
#include <regex>
#include <set>
#include <sys/stat.h>

namespace
{

namespace fs = std::filesystem;
using testing::HasSubstr;
using testing::Not;
using winbpf::test::run;
using winbpf::test::VethPair;

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

// The id in "Loaded with ID N" (one handler); 0 when the output has none.
std::uint32_t loaded_id(const std::string &out)
{
    std::smatch m;
    return std::regex_search(out, m, std::regex(R"(^Loaded with ID (\d+)\n$)")) ? std::stoul(m[1]) : 0;
}

// Whether `show pins --json` lists path as a pin of program id.
bool pins_program(const std::string &path, std::uint32_t id)
{
    for (const auto &pin : json_of({"show", "pins", "--json"}))
        if (pin["path"] == path && pin["kind"] == "program" && pin["id"] == id)
            return true;
    return false;
}

// Removes paths in bpffs (pins, then empty directories) when the test ends, also on failure: a pin outside
// /sys/fs/bpf/winbpf that a wrong delete left would keep its program loaded.
class RemoveAtEnd
{
  public:
    explicit RemoveAtEnd(std::vector<std::string> paths) : paths_(std::move(paths)) {}
    RemoveAtEnd(const RemoveAtEnd &) = delete;
    RemoveAtEnd &operator=(const RemoveAtEnd &) = delete;
    ~RemoveAtEnd()
    {
        for (const std::string &path : paths_)
            if (::unlink(path.c_str()) != 0)
                ::rmdir(path.c_str());
    }

  private:
    std::vector<std::string> paths_;
};

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
             Case{{"frobnicate"},
                  "unknown verb 'frobnicate' (expected add, delete, set, show, pin, unpin)",
                  "usage: winbpf [add|delete|set|show|pin|unpin"},
             Case{{"show", "program"}, "unknown verb 'program' (expected programs, maps", "usage: winbpf show "},
             Case{{"delete", "program", "12", "xdp"},
                  "section=xdp is given with an ID",
                  "usage: winbpf delete program [id=]ID | [filename=]FILE [section=]SECTION"},
             Case{{"delete", "program"}, "id is required", "usage: winbpf delete program [id=]ID"},
             // netsh's tag order: more values than tags, or a tag given by name and by position.
             Case{{"show", "disassembly", "a.o", "xdp", "Drop", "extra"},
                  "unexpected parameter 'extra' (this verb takes filename, section, program",
                  "usage: winbpf show disassembly"},
             Case{{"show", "compatibility", "a.o", "b.o"},
                  "unexpected parameter 'b.o' (this verb takes filename, as TAG=VALUE or in this order)",
                  "usage: winbpf show compatibility"},
             Case{{"add", "program", DROPPACKET_OBJECT, "execution=fast"},
                  "execution=fast is invalid (expected jit, native or interpret)",
                  "usage: winbpf add program"},
             Case{{"add", "program", DROPPACKET_OBJECT, "xdp", "/sys/fs/bpf/x", "lo", "all", "jit", "2"},
                  "compartment=2 is a Windows network compartment: on Linux run winbpf in the network namespace",
                  "usage: winbpf add program"},
             Case{{"show", "programs", "attached=maybe"},
                  "attached=maybe is invalid (expected yes, no or any)",
                  "usage: winbpf show programs"},
             Case{{"show", "programs", "level=loud"}, "level=loud is invalid", "usage: winbpf show programs"},
             Case{{"show", "programs", "colour=red"}, "unknown parameter 'colour'", "usage: winbpf show programs"},
             Case{{"add", "program", DROPPACKET_OBJECT, "colour=red"},
                  "unknown parameter 'colour'",
                  "usage: winbpf add program [filename=]FILE"},
             Case{{"add", "program", DROPPACKET_OBJECT, "pinned=some"},
                  "pinned=some is invalid",
                  "usage: winbpf add program [filename=]FILE"},
             Case{{"show", "verification", DROPPACKET_OBJECT, "sections=xdp"},
                  "unknown parameter 'sections'",
                  "usage: winbpf show verification [filename=]FILE"},
             Case{{"show", "map"}, "map is required", "usage: winbpf show map [map=]ID|NAME"},
             Case{{"pin", "prog", "1", "/sys/fs/bpf/x"},
                  "unknown verb 'prog' (expected program, map)",
                  "usage: winbpf pin program|map"},
             // An unknown type is a usage error in show programs as in add program.
             Case{{"show", "programs", "type=bogus"},
                  "Program type is invalid. ('bogus'; winbpf knows process, bind, netevent_monitor, xdp",
                  "usage: winbpf show programs"},
             Case{{"add", "program", DROPPACKET_OBJECT, "type=xpd"},
                  "Program type is invalid. ('xpd'; winbpf knows process, bind",
                  "usage: winbpf add program [filename=]FILE"},
             Case{{"add", "program", DROPPACKET_OBJECT, "pinned=none", "pinpath=/sys/fs/bpf/x"},
                  "pinpath=/sys/fs/bpf/x is given with pinned=none",
                  "usage: winbpf add program [filename=]FILE"},
             Case{{"add", "program", DROPPACKET_OBJECT, "pinpath=pins/x"},
                  "pinpath=pins/x is not an absolute path",
                  "usage: winbpf add program [filename=]FILE"},
             // --watch: a readable range, whatever the value.
             Case{{"show", "map", "m", "--watch", "0"},
                  "SECONDS must be a number of seconds from 0.001 to 86400 (e.g. 1 or 0.5), not '0'",
                  "usage: winbpf show map [map=]ID|NAME"},
             Case{{"show", "map", "m", "--watch", "-1"},
                  "SECONDS must be a number of seconds from 0.001 to 86400 (e.g. 1 or 0.5), not '-1'",
                  "usage: winbpf show map [map=]ID|NAME"},
             Case{{"show", "map", "m", "--watch", "abc"},
                  "SECONDS must be a number of seconds from 0.001 to 86400 (e.g. 1 or 0.5), not 'abc'",
                  "usage: winbpf show map [map=]ID|NAME"},
         }) {
        auto result = winbpf_run(c.arguments);
        EXPECT_EQ(result.exit_code(), 2) << c.usage << "\n" << result.err;
        EXPECT_THAT(result.err, HasSubstr(c.message));
        EXPECT_THAT(result.err, HasSubstr(c.usage));
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 2) << "one line and the usage:\n"
                                                                             << result.err;
        EXPECT_EQ(result.out, "");
        EXPECT_LT(result.err.size(), 400u) << result.err;
    }
    auto help = winbpf_run({"show", "--help"});
    EXPECT_EQ(help.exit_code(), 0);
    EXPECT_THAT(help.out, HasSubstr("program-types"));
    auto top_help = winbpf_run({"--help"});
    EXPECT_EQ(top_help.exit_code(), 0);
    EXPECT_THAT(top_help.out, HasSubstr("show programs|maps|links|map, pin: CAP_SYS_ADMIN"));
}

TEST(CliUsage, VersionPrintsTheProjectVersion)
{
    auto version = winbpf_run({"--version"});
    EXPECT_EQ(version.exit_code(), 0) << version.err;
    EXPECT_EQ(version.out, "winbpf " WINBPF_VERSION "\n");
    EXPECT_TRUE(std::regex_match(version.out, std::regex(R"(winbpf \d+\.\d+\.\d+\n)"))) << version.out;
    EXPECT_EQ(version.err, "");
}

// A non-root user with exactly these capabilities (ambient, so winbpf starts with them), or nothing.
winbpf::test::CommandResult winbpf_as_user(const std::vector<std::string> &arguments, const std::vector<int> &caps)
{
    std::vector<std::string> argv{cli};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto child = winbpf::test::Child::spawn_with_capabilities(argv, winbpf::test::Output::capture, 65534, caps);
    winbpf::test::CommandResult result;
    result.status = child.wait(std::chrono::seconds(60));
    result.out = child.out();
    result.err = child.err();
    return result;
}

TEST(CliUsage, NonRootIsToldWhatItNeeds)
{
    for (const std::vector<std::string> &arguments :
         {std::vector<std::string>{"show", "programs"}, {"show", "maps"}, {"add", "program", DROPPACKET_OBJECT}}) {
        auto result = winbpf_as_user(arguments, {});
        EXPECT_EQ(result.exit_code(), 1) << result.err;
        EXPECT_THAT(result.err, HasSubstr(" must run as root or with CAP_"));
        EXPECT_THAT(result.err, Not(HasSubstr("RLIMIT_MEMLOCK"))) << result.err;
        EXPECT_THAT(result.err, Not(HasSubstr("libbpf"))) << result.err;
    }
}

// Every verb as a non-root user with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON: it works, or it says before doing anything
// exactly which capability it needs (and with that capability added, it works).
TEST_F(Cli, EveryVerbAsALeastPrivilegedUser)
{
    const std::vector<int> bpf_caps{CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON};
    std::vector<int> with_dac = bpf_caps, with_admin = bpf_caps;
    with_dac.push_back(CAP_DAC_OVERRIDE);
    with_admin.push_back(CAP_SYS_ADMIN);
    with_admin.push_back(CAP_DAC_OVERRIDE);

    // A program added by root (its pins are root's, 0600 in a 0700 directory).
    winbpf::test::TestCgroup cgroup;
    auto root_added = winbpf_run({"add", "program", BIND_MONITOR_OBJECT, "cgroup=" + cgroup.path().string()});
    ASSERT_EQ(root_added.exit_code(), 0) << root_added.err;
    const std::uint32_t root_id = loaded_id(root_added.out);
    ASSERT_NE(root_id, 0u) << root_added.out;
    std::uint32_t map_id = 0;
    for (const auto &program : json_of({"show", "programs", "type=bind", "--json"}))
        if (program["id"] == root_id)
            map_id = program["linux_programs"][0]["map_ids"][0];
    ASSERT_NE(map_id, 0u);

    // What needs no capability, or those three: works.
    for (const std::vector<std::string> &arguments : {
             std::vector<std::string>{"show", "verification", DROPPACKET_OBJECT},
             {"show", "verification", BIND_MONITOR_OBJECT},
             {"show", "verification", loader_object("loader_test_monitor.o")},
             {"show", "disassembly", DROPPACKET_OBJECT},
             {"show", "compatibility", DROPPACKET_OBJECT},
             {"show", "sections", DROPPACKET_OBJECT},
             {"show", "program-types"},
             {"--version"},
         }) {
        auto result = winbpf_as_user(arguments, bpf_caps);
        EXPECT_EQ(result.exit_code(), 0) << testing::PrintToString(arguments) << "\n" << result.err;
    }

    // What the kernel allows only CAP_SYS_ADMIN: said exactly, nothing printed on stdout.
    const std::string pin_path = "/sys/fs/bpf/winbpf-cli-user-" + std::to_string(::getpid());
    const RemoveAtEnd cleanup({pin_path});
    for (const std::vector<std::string> &arguments : {
             std::vector<std::string>{"show", "programs"},
             {"show", "maps"},
             {"show", "links"},
             {"show", "map", std::to_string(map_id)},
             {"pin", "map", std::to_string(map_id), pin_path},
         }) {
        auto result = winbpf_as_user(arguments, bpf_caps);
        EXPECT_EQ(result.exit_code(), 1) << testing::PrintToString(arguments) << "\n" << result.err;
        EXPECT_THAT(result.err,
                    HasSubstr("must run as root or with CAP_SYS_ADMIN (the kernel walks BPF objects and opens them by "
                              "id only for CAP_SYS_ADMIN; missing: CAP_SYS_ADMIN, effective uid 65534)"));
        EXPECT_EQ(result.out, "") << testing::PrintToString(arguments);
    }
    EXPECT_FALSE(fs::exists(pin_path));

    // Root's pins: the verbs that read or write them say so, instead of an empty table or false warnings.
    const std::string root_pin = "/sys/fs/bpf/winbpf/" + std::to_string(root_id);
    for (const std::vector<std::string> &arguments : {
             std::vector<std::string>{"show", "pins"},
             {"delete", "program", std::to_string(root_id)},
             {"add", "program", BIND_MONITOR_OBJECT, "cgroup=" + cgroup.path().string()},
         }) {
        auto result = winbpf_as_user(arguments, bpf_caps);
        EXPECT_EQ(result.exit_code(), 1) << testing::PrintToString(arguments) << "\n" << result.err;
        EXPECT_THAT(result.err, HasSubstr("Permission denied")) << testing::PrintToString(arguments);
        EXPECT_THAT(result.err, HasSubstr("CAP_DAC_OVERRIDE")) << testing::PrintToString(arguments);
        EXPECT_THAT(result.err, Not(HasSubstr("still loaded")));
        EXPECT_EQ(result.out, "") << testing::PrintToString(arguments);
    }
    EXPECT_TRUE(fs::exists(root_pin)) << "a refused delete removed nothing";

    // With CAP_DAC_OVERRIDE (bpffs is root's) add and delete work; with CAP_SYS_ADMIN the listings too.
    auto added = winbpf_as_user({"add", "program", BIND_MONITOR_OBJECT, "cgroup=" + cgroup.path().string()}, with_dac);
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    const std::uint32_t user_id = loaded_id(added.out);
    ASSERT_NE(user_id, 0u) << added.out;
    for (const std::vector<std::string> &arguments : {
             std::vector<std::string>{"show", "programs"},
             {"show", "maps"},
             {"show", "links"},
             {"show", "pins"},
             {"show", "map", std::to_string(map_id)},
         }) {
        auto result = winbpf_as_user(arguments, with_admin);
        EXPECT_EQ(result.exit_code(), 0) << testing::PrintToString(arguments) << "\n" << result.err;
    }
    auto listed = winbpf_as_user({"show", "programs", "type=bind", "--json"}, with_admin);
    ASSERT_EQ(listed.exit_code(), 0) << listed.err;
    std::set<std::uint32_t> ids;
    for (const auto &program : nlohmann::json::parse(listed.out))
        ids.insert(program["id"].get<std::uint32_t>());
    EXPECT_TRUE(ids.count(user_id) && ids.count(root_id)) << listed.out;
    auto pinned = winbpf_as_user({"pin", "map", std::to_string(map_id), pin_path}, with_admin);
    EXPECT_EQ(pinned.exit_code(), 0) << pinned.err;
    auto unpinned = winbpf_as_user({"unpin", "map", std::to_string(map_id), pin_path}, with_dac);
    EXPECT_EQ(unpinned.exit_code(), 0) << unpinned.err;
    EXPECT_FALSE(fs::exists(pin_path));

    auto deleted = winbpf_as_user({"delete", "program", std::to_string(user_id)}, with_dac);
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_EQ(deleted.out, "Deleted ID " + std::to_string(user_id) + "\n");
    EXPECT_EQ(deleted.err, "") << "no warning about what it cannot check";
    EXPECT_TRUE(winbpf::test::wait_until_freed({user_id}, std::chrono::seconds(5)));
    EXPECT_EQ(winbpf_run({"delete", "program", std::to_string(root_id)}).exit_code(), 0);
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

    // One documented shape for both results: the same keys, of the same JSON types where both have a value.
    std::set<std::string> good_keys, bad_keys;
    for (const auto &[key, value] : json.items())
        good_keys.insert(key);
    for (const auto &[key, value] : report.items())
        bad_keys.insert(key);
    EXPECT_EQ(good_keys, (std::set<std::string>{"file", "result", "programs", "adaptations", "error", "source_line"}));
    EXPECT_EQ(bad_keys, good_keys);
    EXPECT_TRUE(json["error"].is_null());
    EXPECT_TRUE(json["source_line"].is_null());
    EXPECT_TRUE(report["error"].is_string());
    EXPECT_THAT(report["error"].get<std::string>(), HasSubstr("read from stack"));
    EXPECT_TRUE(report["programs"].is_array());
    EXPECT_TRUE(report["adaptations"].is_array());
    EXPECT_TRUE(report["source_line"]["line"].is_number_unsigned()) << report["source_line"].dump();
    EXPECT_GT(report["source_line"]["line"].get<int>(), 0);
    EXPECT_TRUE(std::regex_search(bad.out, std::regex("loader_test_reject\\.c:" +
                                                      std::to_string(report["source_line"]["line"].get<int>()) + ": ")))
        << "the text and JSON name the same line";
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
    EXPECT_TRUE(std::regex_search(
        result.out, std::regex(R"(\nsockops\s+sockops\s+bpf_sock_ops_t\s+43fb224d-68f8-46d6-aa3f-c856518cbb32\s+)"
                               R"(837d02cd-3251-4632-8d94-60d3b45769f2\n)")))
        << result.out;
    EXPECT_THAT(result.out, HasSubstr("sections: cgroup/connect4 cgroup/connect6 cgroup/connect_authorization4"));
    nlohmann::json json = json_of({"show", "program-types", "--json"});
    std::set<std::string> names;
    for (const auto &type : json) {
        names.insert(type["name"]);
        EXPECT_FALSE(type["linux_hooks"].empty()) << type.dump();
        if (type["name"] == "sock_addr") {
            EXPECT_EQ(type["sections"].size(), 10u) << type.dump();
            EXPECT_EQ(type["context"], "bpf_sock_addr_t");
        } else {
            EXPECT_EQ(type["sections"], nlohmann::json::array({type["name"]})) << type.dump();
        }
        if (type["name"] == "sockops") {
            EXPECT_EQ(type["context"], "bpf_sock_ops_t");
        }
    }
    EXPECT_EQ(names, (std::set<std::string>{"process", "bind", "netevent_monitor", "xdp", "sock_addr", "sockops"}));
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
        winbpf::test::send_datagram(sender.get(), pair.address(Side::b), winbpf::test::local_port(receiver.get()), 0);
    winbpf::test::send_datagram(sender.get(), pair.address(Side::b), winbpf::test::local_port(receiver.get()), 5);
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
    // JSON numbers by BTF type, the raw bytes and the text beside them.
    EXPECT_TRUE(entries["entries"][0]["key"].is_number_unsigned()) << entries.dump();
    EXPECT_EQ(entries["entries"][0]["key"], 0);
    EXPECT_EQ(entries["entries"][0]["key_bytes"], "00 00 00 00");
    EXPECT_EQ(entries["entries"][0]["key_text"], "(uint32_t)0");
    EXPECT_TRUE(entries["entries"][0]["values"][0]["value"].is_number_unsigned()) << entries.dump();
    EXPECT_EQ(entries["entries"][0]["values"][0]["value"], 3);
    EXPECT_EQ(entries["entries"][0]["values"][0]["bytes"], "03 00 00 00 00 00 00 00");
    EXPECT_EQ(entries["entries"][0]["values"][0]["text"], "(uint64_t)3");
    // --watch refreshes: more drops show up in a later snapshot.
    auto watch = winbpf::test::Child::spawn({cli, "show", "map", std::to_string(dropped_map), "--watch", "0.2"},
                                            winbpf::test::Output::capture);
    EXPECT_TRUE(watch.read_until([&] { return watch.out().find("value: (uint64_t)3\n") != std::string::npos; },
                                 std::chrono::seconds(10)))
        << watch.out();
    for (int i = 0; i < 2; ++i)
        winbpf::test::send_datagram(sender.get(), pair.address(Side::b), winbpf::test::local_port(receiver.get()), 0);
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

// pinpath= (netsh's pinned=first) and pinned=all: the program is also pinned there, and delete program removes those
// pins too: the program is gone, and a second delete says no program of that ID was added.
TEST_F(Cli, DeleteRemovesThePinpathPins)
{
    winbpf::test::VethPair pair;
    using Side = winbpf::test::VethPair;
    const std::string pin_path = "/sys/fs/bpf/winbpf-cli-pinpath-" + std::to_string(::getpid());
    const std::string dir = pin_path + "-dir";
    const RemoveAtEnd cleanup({pin_path, dir + "/DropPacket", dir});
    const std::string net = "--net=" + pair.netns_path(Side::b);
    auto added = run({"/usr/bin/nsenter", net, cli, "add", "program", DROPPACKET_OBJECT,
                      "interface=" + pair.interface(Side::b), "pinpath=" + pin_path, "pinned=first"});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    const std::uint32_t id = loaded_id(added.out);
    ASSERT_NE(id, 0u) << added.out;
    EXPECT_TRUE(pins_program(pin_path, id));
    nlohmann::json programs = json_of({"show", "programs", "type=xdp", "--json"});
    ASSERT_EQ(programs.size(), 1u) << programs.dump();
    EXPECT_EQ(programs[0]["pins"], 2) << "its own pin and the one at pinpath (the record of it is no pin)";

    auto deleted = winbpf_run({"delete", "program", std::to_string(id)});
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_EQ(deleted.out, "Deleted ID " + std::to_string(id) + "\n");
    EXPECT_FALSE(fs::exists(pin_path));
    EXPECT_TRUE(json_of({"show", "programs", "type=xdp", "--json"}).empty());
    EXPECT_TRUE(winbpf::test::wait_until_freed({id}, std::chrono::seconds(5)));
    auto again = winbpf_run({"delete", "program", std::to_string(id)});
    EXPECT_EQ(again.exit_code(), 1);
    EXPECT_THAT(again.err, HasSubstr("no program with ID " + std::to_string(id) + " was added by winbpf"));

    // pinned=all: a file named after the handler in the existing directory pinpath; removed by delete.
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    auto all = run({"/usr/bin/nsenter", net, cli, "add", "program", DROPPACKET_OBJECT,
                    "interface=" + pair.interface(Side::b), "pinpath=" + dir, "pinned=all"});
    ASSERT_EQ(all.exit_code(), 0) << all.err;
    const std::uint32_t all_id = loaded_id(all.out);
    EXPECT_TRUE(pins_program(dir + "/DropPacket", all_id));
    EXPECT_EQ(winbpf_run({"delete", "program", std::to_string(all_id)}).exit_code(), 0);
    EXPECT_FALSE(fs::exists(dir + "/DropPacket"));
    EXPECT_TRUE(winbpf::test::wait_until_freed({all_id}, std::chrono::seconds(5)));
}

// pinned=all needs pinpath to be an existing directory in bpffs, pinned=first a file path there: otherwise a clear
// error before anything is loaded.
TEST_F(Cli, PinpathErrorsSayWhatIsNeeded)
{
    winbpf::test::VethPair pair;
    using Side = winbpf::test::VethPair;
    const std::string missing = "/sys/fs/bpf/winbpf-cli-missing-" + std::to_string(::getpid());
    winbpf::test::TempDir outside;
    const std::string existing = missing + "-existing";
    const RemoveAtEnd cleanup({existing + "/DropPacket", existing});
    ASSERT_EQ(::mkdir(existing.c_str(), 0700), 0);
    struct Case {
        std::vector<std::string> parameters;
        std::string message;
    };
    for (const Case &c : {
             Case{{"pinned=all", "pinpath=" + missing},
                  "pinpath=" + missing + ": no such directory '" + missing +
                      "' (pinned=all pins each handler's program as a file named after the handler in the directory "
                      "pinpath, in an existing directory of a bpf filesystem such as /sys/fs/bpf; create it first: "
                      "mkdir -p " +
                      missing + ")"},
             Case{{"pinned=first", "pinpath=" + missing + "/pin"},
                  "pinpath=" + missing + "/pin: no such directory '" + missing +
                      "' (pinned=first pins the first handler's program at the file path pinpath"},
             Case{{"pinned=all", "pinpath=" + outside.path().string()}, "' is not in a bpf filesystem"},
             Case{{"pinned=first", "pinpath=" + existing},
                  "pinpath=" + existing + ": '" + existing + "' exists already"},
             Case{{"pinned=first", "pinpath=/sys/fs/bpf"}, "pinpath=/sys/fs/bpf: '/sys/fs' is not in a bpf filesystem"},
         }) {
        std::vector<std::string> argv{"/usr/bin/nsenter", "--net=" + pair.netns_path(Side::b),   cli, "add", "program",
                                      DROPPACKET_OBJECT,  "interface=" + pair.interface(Side::b)};
        argv.insert(argv.end(), c.parameters.begin(), c.parameters.end());
        auto result = run(argv);
        EXPECT_EQ(result.exit_code(), 1) << result.err;
        EXPECT_THAT(result.err, HasSubstr(c.message));
        EXPECT_EQ(result.out, "");
        EXPECT_TRUE(json_of({"show", "programs", "type=xdp", "--json"}).empty()) << "nothing was loaded";
    }
    EXPECT_FALSE(fs::exists(missing));
    EXPECT_TRUE(fs::is_empty(existing)) << "nothing pinned into it";
}

// A refused second XDP program on an interface: one message (winbpf's), and nothing of it left for any verb to show.
TEST_F(Cli, RefusedSecondXdpProgramPrintsOneMessageAndLeavesNothing)
{
    winbpf::test::VethPair pair;
    using Side = winbpf::test::VethPair;
    const std::vector<std::string> add{"/usr/bin/nsenter", "--net=" + pair.netns_path(Side::b),   cli, "add", "program",
                                       DROPPACKET_OBJECT,  "interface=" + pair.interface(Side::b)};
    auto first = run(add);
    ASSERT_EQ(first.exit_code(), 0) << first.err;
    const std::uint32_t id = loaded_id(first.out);
    ASSERT_NE(id, 0u);
    std::uint32_t last_map = 0;
    for (std::uint32_t map : winbpf::test::loaded_map_ids())
        last_map = std::max(last_map, map);
    for (int round = 0; round < 3; ++round) {
        auto second = run(add);
        EXPECT_EQ(second.exit_code(), 1);
        EXPECT_EQ(second.out, "");
        EXPECT_THAT(second.err, HasSubstr("Device or resource busy (another XDP program is attached there)"));
        EXPECT_THAT(second.err, Not(HasSubstr("libbpf")));
        EXPECT_EQ(std::count(second.err.begin(), second.err.end(), '\n'), 1) << "one message:\n" << second.err;
        // Right after it: no row, link, pin or map of the refused program (DropPacket's maps are named so).
        nlohmann::json programs = json_of({"show", "programs", "type=xdp", "--json"});
        ASSERT_EQ(programs.size(), 1u) << programs.dump();
        EXPECT_EQ(programs[0]["id"], id);
        for (const auto &link : json_of({"show", "links", "--json"}))
            EXPECT_TRUE(link["link_type"] != "xdp" || link["program_id"] == id ||
                        link["target"] != "ifindex " + std::to_string(pair.ifindex(Side::b)))
                << link.dump();
        for (const auto &map : json_of({"show", "maps", "--json"}))
            EXPECT_FALSE(map["id"].get<std::uint32_t>() > last_map &&
                         (map["name"] == "dropped_packet_" || map["name"] == "interface_index"))
                << "a map of the refused program is still there: " << map.dump();
    }
    EXPECT_EQ(winbpf_run({"delete", "program", std::to_string(id)}).exit_code(), 0);
}

// `ip netns exec` gives winbpf a private /sys without the system's bpffs: a program pinned there would vanish when the
// command returns. winbpf says so and what to run instead, loads nothing, and no verb lists an empty bpffs as if it
// were the system's; nsenter --net (the network namespace alone) works.
TEST_F(Cli, IpNetnsExecIsRefusedWithWhatToRunInstead)
{
    winbpf::test::VethPair pair;
    using Side = winbpf::test::VethPair;
    const std::vector<std::string> netns_exec{"/usr/sbin/ip", "netns", "exec", pair.netns(Side::b), cli};
    const std::string interface = "interface=" + pair.interface(Side::b);
    for (const std::vector<std::string> &arguments : {
             std::vector<std::string>{"add", "program", DROPPACKET_OBJECT, interface},
             {"show", "pins"},
             {"show", "programs"},
             {"delete", "program", "1"},
         }) {
        std::vector<std::string> argv = netns_exec;
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        auto result = run(argv);
        EXPECT_EQ(result.exit_code(), 1) << testing::PrintToString(arguments) << "\n" << result.err;
        EXPECT_THAT(result.err, HasSubstr("runs in a mount namespace of its own whose /sys/fs/bpf has no bpf "
                                          "filesystem (as `ip netns exec` gives a command"));
        EXPECT_THAT(result.err, HasSubstr("nsenter --net=/run/netns/NAME winbpf ..."));
        EXPECT_EQ(result.out, "") << testing::PrintToString(arguments);
    }
    EXPECT_TRUE(json_of({"show", "programs", "type=xdp", "--json"}).empty()) << "nothing was loaded";

    auto added = run(
        {"/usr/bin/nsenter", "--net=" + pair.netns_path(Side::b), cli, "add", "program", DROPPACKET_OBJECT, interface});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    const std::uint32_t id = loaded_id(added.out);
    ASSERT_NE(id, 0u) << added.out;
    EXPECT_TRUE(fs::exists("/sys/fs/bpf/winbpf/" + std::to_string(id) + "/DropPacket__winbpf_xdp_xdp"));
    EXPECT_EQ(winbpf_run({"delete", "program", std::to_string(id)}).exit_code(), 0);
    EXPECT_TRUE(winbpf::test::wait_until_freed({id}, std::chrono::seconds(5)));
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

    // show links: the cgroup by its path, not its id.
    std::size_t cgroup_links = 0;
    for (const auto &link : json_of({"show", "links", "--json"}))
        if (std::to_string(link["program_id"].get<std::uint32_t>()) == id) {
            EXPECT_EQ(link["target"], "cgroup " + cgroup.path().string()) << link.dump();
            ++cgroup_links;
        }
    EXPECT_EQ(cgroup_links, 1u);
    auto links = winbpf_run({"show", "links"});
    EXPECT_TRUE(std::regex_search(links.out, std::regex(" " + id + " +cgroup " + cgroup.path().string() + "\n")))
        << links.out;

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
    // --json: the struct as an object by field name, arrays as arrays (the UTF-16LE name's bytes as numbers).
    nlohmann::json typed = json_of({"show", "map", std::to_string(process_map), "--json"});
    ASSERT_EQ(typed["entries"].size(), 1u) << typed.dump();
    const nlohmann::json &value = typed["entries"][0]["values"][0]["value"];
    ASSERT_TRUE(value.is_object()) << value.dump();
    EXPECT_EQ(value["count"], 1);
    ASSERT_TRUE(value["name"].is_array()) << value.dump();
    EXPECT_EQ(value["name"][0], 'w');
    EXPECT_EQ(value["name"][1], 0);
    EXPECT_EQ(value["name"][2], 'i');
    EXPECT_TRUE(typed["entries"][0]["key"].is_number_unsigned()) << typed["entries"][0]["key"].dump();
    EXPECT_EQ(typed["entries"][0]["key"], static_cast<std::uint64_t>(::getpid())) << "the key is the process id";
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

// `winbpf < script`: the ebpf> context runs each line until the first that fails, with its exit status; comments,
// blank lines, the context names (netsh, ebpf) and help are taken as netsh takes them; exit ends the script.
winbpf::test::CommandResult replay(const std::string &script)
{
    winbpf::test::TempDir dir;
    const fs::path file = dir.path() / "script.txt";
    std::ofstream(file) << script;
    return run({"/bin/sh", "-c", "exec '" + cli + "' < '" + file.string() + "'"});
}

TEST(CliShell, ScriptRunsLinesUntilTheFirstFailure)
{
    auto script = replay("# the demo, replayed\nnetsh\nebpf\n\nshow program-types\nhelp show verification\n"
                         "show colours\nshow program-types\n");
    EXPECT_EQ(script.exit_code(), 2) << script.err;
    EXPECT_THAT(script.out, HasSubstr("usage: winbpf show verification [filename=]FILE [section=]SECTION"));
    EXPECT_THAT(script.err, HasSubstr("unknown verb 'colours' (expected programs, maps"));
    // The program types were shown once: the line after the failing one did not run.
    const std::string title = "sock_addr";
    std::size_t shown = 0;
    for (std::size_t at = script.out.find(title); at != std::string::npos; at = script.out.find(title, at + 1))
        ++shown;
    auto types = winbpf_run({"show", "program-types"});
    std::size_t per_run = 0;
    for (std::size_t at = types.out.find(title); at != std::string::npos; at = types.out.find(title, at + 1))
        ++per_run;
    EXPECT_EQ(shown, per_run) << script.out;

    auto ended = replay("show program-types\nexit\nshow colours\n");
    EXPECT_EQ(ended.exit_code(), 0) << ended.err;
    EXPECT_EQ(ended.err, "");
    auto verb_help = replay("show verification ?\n");
    EXPECT_EQ(verb_help.exit_code(), 0) << verb_help.err;
    EXPECT_THAT(verb_help.out, HasSubstr("Parameters (TAG=VALUE, or values alone in this order): filename, section, "
                                         "program, type, level"));
    auto failed = replay("show verification /nonexistent/x.o xdp\nshow program-types\n");
    EXPECT_EQ(failed.exit_code(), 1);
    EXPECT_EQ(failed.out, "");
}

TEST_F(Cli, PositionalParametersInNetshTagOrder)
{
    auto verified = winbpf_run({"show", "verification", DROPPACKET_OBJECT, "xdp", "DropPacket", "xdp", "verbose"});
    EXPECT_EQ(verified.exit_code(), 0) << verified.err;
    EXPECT_THAT(verified.out, HasSubstr("Verification succeeded"));
    EXPECT_THAT(verified.out, HasSubstr("section xdp, Linux program type xdp, attach type xdp"));
    auto tagged = winbpf_run({"show", "verification", "filename=" + std::string(DROPPACKET_OBJECT), "section=xdp"});
    EXPECT_EQ(tagged.exit_code(), 0) << tagged.err;
    EXPECT_THAT(tagged.out, Not(HasSubstr("Linux program type")));
    auto wrong_type = winbpf_run({"show", "verification", DROPPACKET_OBJECT, "type=bind"});
    EXPECT_EQ(wrong_type.exit_code(), 1);
    EXPECT_THAT(wrong_type.err, HasSubstr("its programs are of type xdp, not bind"));
    auto disassembly = winbpf_run({"show", "disassembly", DROPPACKET_OBJECT, "xdp", "DropPacket"});
    EXPECT_EQ(disassembly.exit_code(), 0) << disassembly.err;
    EXPECT_THAT(disassembly.out, HasSubstr("Program DropPacket__winbpf_xdp_xdp (section xdp"));
    auto none = winbpf_run({"show", "disassembly", DROPPACKET_OBJECT, "bind"});
    EXPECT_EQ(none.exit_code(), 1);
    EXPECT_THAT(none.err, HasSubstr("no program in section bind"));
    auto sections = winbpf_run({"show", "sections", DROPPACKET_OBJECT, "xdp", "verbose"});
    EXPECT_EQ(sections.exit_code(), 0) << sections.err;
    EXPECT_THAT(sections.out, HasSubstr("Linux attach type xdp, "));
}

// delete program FILE SECTION (the demo's form), the show programs filters and execution=.
TEST_F(Cli, DeleteByFileAndSectionAndShowProgramsFilters)
{
    VethPair pair;
    const std::string net = "--net=" + pair.netns_path(VethPair::b);
    auto in_netns = [&](std::vector<std::string> arguments) {
        std::vector<std::string> argv{"/usr/bin/nsenter", net, cli};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run(argv);
    };
    std::ifstream jit_file("/proc/sys/net/core/bpf_jit_enable");
    int jit = -1;
    jit_file >> jit;
    ASSERT_NE(jit, -1);
    auto interpret = in_netns({"add", "program", DROPPACKET_OBJECT, "xdp", "interface=" + pair.interface(VethPair::b),
                               "execution=interpret"});
    if (jit != 0) {
        EXPECT_EQ(interpret.exit_code(), 1) << interpret.out;
        EXPECT_THAT(interpret.err, HasSubstr("execution=interpret: "));
        EXPECT_THAT(interpret.err, testing::AnyOf(HasSubstr("has no BPF interpreter"),
                                                  HasSubstr("Linux runs every program through it")));
        EXPECT_THAT(interpret.out, Not(HasSubstr("Loaded with ID")));
    }
    auto added = in_netns(
        {"add", "program", DROPPACKET_OBJECT, "xdp", "interface=" + pair.interface(VethPair::b), "execution=native"});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    const std::uint32_t id = loaded_id(added.out);
    ASSERT_NE(id, 0u) << added.out;

    auto ids_shown = [&](const std::vector<std::string> &filters) {
        std::vector<std::string> arguments{"show", "programs"};
        arguments.insert(arguments.end(), filters.begin(), filters.end());
        arguments.push_back("--json");
        std::set<std::uint32_t> ids;
        for (const auto &row : json_of(arguments))
            ids.insert(row["id"].get<std::uint32_t>());
        return ids.count(id) == 1;
    };
    EXPECT_TRUE(ids_shown({"filename=" + std::string(DROPPACKET_OBJECT)}));
    EXPECT_TRUE(ids_shown({"filename=" + std::string(DROPPACKET_OBJECT), "section=xdp"}));
    EXPECT_FALSE(ids_shown({"filename=" + std::string(BIND_MONITOR_OBJECT)}));
    EXPECT_TRUE(ids_shown({"xdp", "yes", "yes"})); // type, attached, pinned
    EXPECT_FALSE(ids_shown({"attached=no"}));
    EXPECT_FALSE(ids_shown({"pinned=no"}));
    EXPECT_TRUE(ids_shown({"id=" + std::to_string(id)}));
    EXPECT_FALSE(ids_shown({"id=" + std::to_string(id + 100000)}));
    EXPECT_FALSE(ids_shown({"section=bind"}));

    auto deleted = winbpf_run({"delete", "program", DROPPACKET_OBJECT, "xdp"});
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_EQ(deleted.out, "Deleted ID " + std::to_string(id) + "\n");
    auto again = winbpf_run({"delete", "program", "filename=" + std::string(DROPPACKET_OBJECT), "section=xdp"});
    EXPECT_EQ(again.exit_code(), 1);
    EXPECT_THAT(again.err, HasSubstr("no program of " + std::string(DROPPACKET_OBJECT) + " in section xdp is added"));
}

TEST_F(Cli, ShowProcessesListsTheHoldersOfBpfObjects)
{
    const winbpf::UniqueFd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "cli_test_held", 4, 4, 1, nullptr));
    ASSERT_TRUE(map) << std::strerror(errno);
    bpf_map_info info{};
    __u32 length = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(map.get(), &info, &length), 0);
    bool found = false;
    for (const auto &process : json_of({"show", "processes", "--json"}))
        if (process["pid"] == ::getpid()) {
            found = true;
            EXPECT_EQ(process["name"], "winbpf_cli_test");
            EXPECT_THAT(process["maps"].get<std::vector<std::uint32_t>>(), testing::Contains(info.id));
        }
    EXPECT_TRUE(found) << "this process holds map " << info.id;
    auto table = winbpf_run({"show", "processes"});
    EXPECT_EQ(table.exit_code(), 0) << table.err;
    EXPECT_TRUE(std::regex_search(table.out, std::regex("\n *" + std::to_string(::getpid()) +
                                                        " +winbpf_cli_test +\\S+ +([0-9]+,)*" +
                                                        std::to_string(info.id) + "(,[0-9]+)* +")))
        << table.out;
}

// issue 19 §4: a plain function in no hook section, loaded as a program of the type given (netsh's type= and
// program=), from an object built by plain clang.
TEST_F(Cli, PlainFunctionAsAProgramOfTheTypeGiven)
{
    winbpf::test::TempDir dir;
    const fs::path source = dir.path() / "plain.c", object = dir.path() / "plain.o";
    std::ofstream(source) << "#include \"bpf_helpers.h\"\n#include \"ebpf_nethooks.h\"\n"
                             "bind_action_t Plain(bind_md_t *ctx) { return ctx->process_id == 1 ? BIND_DENY : "
                             "BIND_PERMIT; }\n";
    auto built = run({CLANG_BPF, "-target", "bpf", "-O2", "-g", "-Werror", "-I", WINBPF_INCLUDE_DIR, "-c",
                      source.string(), "-o", object.string()});
    ASSERT_EQ(built.exit_code(), 0) << built.err;
    auto verified = winbpf_run({"show", "verification", object.string(), "type=bind", "program=Plain"});
    EXPECT_EQ(verified.exit_code(), 0) << verified.out << verified.err;
    EXPECT_THAT(verified.out, HasSubstr("Plain__winbpf_bind_bind4 (Plain, bind hook)"));
    EXPECT_THAT(verified.out, HasSubstr("Verification succeeded"));
    auto untyped = winbpf_run({"show", "verification", object.string()});
    EXPECT_EQ(untyped.exit_code(), 1);
    auto wrong = winbpf_run({"show", "verification", object.string(), "type=bind", "program=Other"});
    EXPECT_EQ(wrong.exit_code(), 1);
    EXPECT_THAT(wrong.err, HasSubstr("no global function named 'Other'"));

    winbpf::test::TestCgroup cgroup;
    auto added = winbpf_run({"add", "program", object.string(), "bind", "cgroup=" + cgroup.path().string()});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    const std::uint32_t id = loaded_id(added.out);
    ASSERT_NE(id, 0u) << added.out;
    auto compatibility = winbpf_run({"show", "compatibility", object.string(), "filename=" + object.string()});
    EXPECT_EQ(compatibility.exit_code(), 2) << "a tag given twice";
    auto deleted = winbpf_run({"delete", "program", std::to_string(id)});
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
}

// On a terminal (a pseudo-terminal from script(1)): the ebpf> prompt, tab completion of a verb, history kept in
// ~/.winbpf_history, exit.
TEST(CliShell, TerminalPromptCompletesAndKeepsHistory)
{
    winbpf::test::TempDir home;
    auto session = run({"/bin/sh", "-c",
                        "printf 'show program-t\\t\\nexit\\n' | HOME='" + home.path().string() +
                            "' /usr/bin/script -qec '" + cli + "' /dev/null"});
    EXPECT_EQ(session.exit_code(), 0) << session.out << session.err;
    EXPECT_THAT(session.out, HasSubstr("ebpf> "));
    EXPECT_THAT(session.out, HasSubstr("sock_addr")) << "the completed verb ran: " << session.out;
    std::ifstream history(home.path() / ".winbpf_history");
    const std::string kept((std::istreambuf_iterator<char>(history)), std::istreambuf_iterator<char>());
    // libedit's history file: its header, then each line with blanks written as \040.
    EXPECT_THAT(kept, HasSubstr("_HiStOrY_V2_\nshow\\040program-types\\040\nexit\n")) << kept;
}

} // namespace
