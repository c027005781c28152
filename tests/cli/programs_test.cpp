// SPDX-License-Identifier: MIT
// The `winbpf` tool: add program / show programs / delete program round trip and its errors.
#include "loader_objects.hpp"
#include "support/bpftool.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/object.hpp"
#include "winbpf/system.hpp"

#include <bpf/libbpf.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <gmock/gmock.h>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using loader_test::bpf_path;
using testing::HasSubstr;
using winbpf::test::run;

namespace
{

/// `winbpf add program` pins under /sys/fs/bpf/winbpf/<ID>: what a test leaves there is removed in TearDown.
class CliPrograms : public winbpf::test::KernelTest
{
  protected:
    CliPrograms() : KernelTest("/sys/fs/bpf/winbpf") {}
};

const std::string cli = WINBPF_CLI_PATH;

struct Row {
    std::uint32_t pins = 0, links = 0;
    std::string mode, type, name;
};

// `show programs` rows by id.
std::map<std::uint32_t, Row> show_programs()
{
    auto result = run({cli, "show", "programs"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    std::map<std::uint32_t, Row> rows;
    std::istringstream lines(result.out);
    std::string line;
    std::regex row(R"(^\s*(\d+)\s+(\d+)\s+(\d+)\s+(JIT|INTERPRET)\s+(\S+)\s+(.*)$)");
    bool header = false;
    while (std::getline(lines, line)) {
        std::smatch m;
        if (line.find("ID") != std::string::npos && line.find("Pins") != std::string::npos &&
            line.find("Links") != std::string::npos && line.find("Mode") != std::string::npos &&
            line.find("Type") != std::string::npos && line.find("Name") != std::string::npos)
            header = true;
        if (std::regex_match(line, m, row))
            rows[static_cast<std::uint32_t>(std::stoul(m[1]))] =
                Row{static_cast<std::uint32_t>(std::stoul(m[2])), static_cast<std::uint32_t>(std::stoul(m[3])), m[4],
                    m[5], m[6]};
    }
    EXPECT_TRUE(header) << result.out;
    return rows;
}

std::vector<std::uint32_t> loaded_ids(const std::string &out)
{
    std::vector<std::uint32_t> ids;
    std::regex loaded(R"(Loaded with ID (\d+))");
    for (std::sregex_iterator it(out.begin(), out.end(), loaded), end; it != end; ++it)
        ids.push_back(static_cast<std::uint32_t>(std::stoul((*it)[1])));
    return ids;
}

// Program ids pinned in a handler's directory.
std::set<std::uint32_t> pinned_programs(std::uint32_t id)
{
    std::set<std::uint32_t> ids;
    for (const winbpf::PinnedObject &pin : winbpf::list_pins("/sys/fs/bpf/winbpf/" + std::to_string(id)))
        if (pin.kind == winbpf::PinnedObject::Kind::program)
            ids.insert(pin.id);
    return ids;
}

bool bpftool_knows(std::uint32_t id)
{
    return run({winbpf::test::bpftool_path(), "prog", "show", "id", std::to_string(id)}).exit_code() == 0;
}

} // namespace

// `show programs --json`: each Windows program's Linux program ids, by its id.
std::map<std::uint32_t, std::set<std::uint32_t>> linux_programs()
{
    auto result = run({cli, "show", "programs", "--json"});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    std::map<std::uint32_t, std::set<std::uint32_t>> programs;
    for (const auto &row : nlohmann::json::parse(result.out)) {
        auto &ids = programs[row.at("id").get<std::uint32_t>()];
        for (const auto &p : row.at("linux_programs")) {
            ids.insert(p.at("id").get<std::uint32_t>());
            EXPECT_GT(p.at("verified_insns").get<std::uint32_t>(), 0u) << p.dump();
        }
    }
    return programs;
}

TEST_F(CliPrograms, AddShowDeleteRoundTrip)
{
    auto added = run({cli, "add", "program", bpf_path("loader_test_monitor.o")});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    EXPECT_THAT(added.err, testing::Not(HasSubstr("Deny enforcement"))) << "not on every add";
    std::vector<std::uint32_t> ids = loaded_ids(added.out);
    ASSERT_EQ(ids.size(), 2u) << added.out;
    std::uint32_t monitor = ids[0], second = ids[1];

    std::set<std::uint32_t> monitor_programs = pinned_programs(monitor);
    std::set<std::uint32_t> second_programs = pinned_programs(second);
    EXPECT_EQ(monitor_programs.size(), 3u); // exec, one exit variant, fork tracker
    EXPECT_EQ(second_programs.size(), 3u);

    // One row per Windows program: its exec and exit programs' pins and links.
    auto rows = show_programs();
    ASSERT_TRUE(rows.count(monitor));
    EXPECT_EQ(rows[monitor].type, "process");
    EXPECT_EQ(rows[monitor].name, "LoaderTestMonitor");
    EXPECT_EQ(rows[monitor].pins, 2u);
    EXPECT_EQ(rows[monitor].links, 2u);
    EXPECT_EQ(rows[monitor].mode, "JIT");
    EXPECT_EQ(rows[second].name, "LoaderTestSecond");
    for (std::uint32_t id : monitor_programs) {
        if (id != monitor) {
            EXPECT_FALSE(rows.count(id)) << "Linux program " << id << " has a row of its own";
        }
    }

    // Its Linux programs (exec, exit, the shared fork tracker) are listed under it.
    auto programs = linux_programs();
    EXPECT_EQ(programs[monitor], monitor_programs);
    EXPECT_EQ(programs[second], second_programs);
    auto verbose = run({cli, "show", "programs", "level=verbose"});
    ASSERT_EQ(verbose.exit_code(), 0) << verbose.err;
    for (std::uint32_t id : monitor_programs) {
        EXPECT_THAT(verbose.out, HasSubstr("Linux program " + std::to_string(id) + ": "));
        EXPECT_TRUE(std::regex_search(verbose.out, std::regex("Linux program " + std::to_string(id) +
                                                              ": [^\\n]* instructions verified, verification "
                                                              "[1-9][0-9]* us, [0-9]+ loaded")))
            << verbose.out;
    }
    EXPECT_THAT(verbose.out, HasSubstr("instructions verified"));
    // The deny enforcement is said where it matters: under each process program of the verbose listing.
    const winbpf::Enforcement enforcement = winbpf::probe_enforcement();
    const std::string deny = std::string("Deny enforcement: ") + winbpf::enforcement_name(enforcement.mode) + " (" +
                             enforcement.detail + ")";
    EXPECT_TRUE(std::regex_search(verbose.out, std::regex("\\n *" + std::to_string(monitor) +
                                                          " [^\\n]*LoaderTestMonitor\\n +Deny enforcement: ")))
        << verbose.out;
    EXPECT_THAT(verbose.out, HasSubstr(deny));
    EXPECT_THAT(run({cli, "show", "programs"}).out, testing::Not(HasSubstr("Deny enforcement")));

    // show links: each tracing link names the tracepoint it is attached to.
    std::multiset<std::string> targets;
    auto links = run({cli, "show", "links", "--json"});
    ASSERT_EQ(links.exit_code(), 0) << links.err;
    for (const auto &link : nlohmann::json::parse(links.out))
        if (link.at("program_id") == monitor || monitor_programs.count(link.at("program_id").get<std::uint32_t>()))
            targets.insert(link.at("target").get<std::string>());
    EXPECT_TRUE(targets.count("tp_btf/sched_process_exec") + targets.count("lsm/bprm_check_security") == 1)
        << testing::PrintToString(targets);
    EXPECT_EQ(targets.count("tp_btf/sched_process_exit"), 1u) << testing::PrintToString(targets);
    EXPECT_EQ(targets.count("tp_btf/sched_process_fork"), 1u) << testing::PrintToString(targets);
    // --json with level=verbose is valid JSON with the same verification times.
    auto verbose_json = run({cli, "show", "programs", "level=verbose", "--json"});
    ASSERT_EQ(verbose_json.exit_code(), 0) << verbose_json.err;
    ASSERT_TRUE(nlohmann::json::accept(verbose_json.out)) << verbose_json.out;
    std::size_t timed_rows = 0;
    for (const auto &row : nlohmann::json::parse(verbose_json.out)) {
        if (row.at("id") == monitor || row.at("id") == second) {
            ++timed_rows;
            // The loader recorded each of its programs' verification time (winbpf_verify); programs of other
            // loaders (a process monitor of another build, say) may be listed too, with null.
            for (const auto &p : row.at("linux_programs")) {
                EXPECT_GT(p.at("verification_us").get<std::uint64_t>(), 0u) << p.dump();
            }
        }
    }
    EXPECT_EQ(timed_rows, 2u) << verbose_json.out;

    // bpftool lists every program show programs lists.
    std::set<std::uint32_t> bpftool_ids = winbpf::test::bpftool_program_ids();
    for (const auto &[id, linux_ids] : programs)
        for (std::uint32_t linux_id : linux_ids)
            EXPECT_TRUE(bpftool_ids.count(linux_id)) << "bpftool does not list program " << linux_id;

    // type= filters; an unknown level is a usage error.
    auto bind_only = run({cli, "show", "programs", "type=bind", "--json"});
    ASSERT_EQ(bind_only.exit_code(), 0) << bind_only.err;
    for (const auto &row : nlohmann::json::parse(bind_only.out))
        EXPECT_EQ(row.at("type"), "bind");
    auto loud = run({cli, "show", "programs", "level=loud"});
    EXPECT_EQ(loud.exit_code(), 2);
    EXPECT_THAT(loud.err, HasSubstr("usage: winbpf show programs"));

    // Deleting the first handler by the id of its exit program keeps the shared fork tracker attached for the second.
    std::uint32_t fork_tracker = 0, monitor_exit = 0;
    for (std::uint32_t id : monitor_programs) {
        if (second_programs.count(id))
            fork_tracker = id;
        else if (id != monitor)
            monitor_exit = id;
    }
    ASSERT_NE(fork_tracker, 0u);
    ASSERT_NE(monitor_exit, 0u);
    auto shared = run({cli, "delete", "program", std::to_string(fork_tracker)});
    EXPECT_EQ(shared.exit_code(), 1);
    EXPECT_THAT(shared.err, HasSubstr("is shared by the added programs"));

    auto deleted = run({cli, "delete", "program", std::to_string(monitor_exit)});
    ASSERT_EQ(deleted.exit_code(), 0) << deleted.err;
    EXPECT_THAT(deleted.out, HasSubstr("Deleted ID " + std::to_string(monitor)));
    EXPECT_FALSE(std::filesystem::exists("/sys/fs/bpf/winbpf/" + std::to_string(monitor)));
    for (std::uint32_t id : monitor_programs) {
        if (id != fork_tracker) {
            EXPECT_FALSE(bpftool_knows(id)) << "program " << id << " is still loaded";
        }
    }
    rows = show_programs();
    EXPECT_FALSE(rows.count(monitor));
    EXPECT_EQ(rows[second].links, 2u);
    EXPECT_TRUE(bpftool_knows(fork_tracker));
    EXPECT_TRUE(linux_programs()[second].count(fork_tracker));

    deleted = run({cli, "delete", "program", std::to_string(second)});
    ASSERT_EQ(deleted.exit_code(), 0) << deleted.err;
    for (std::uint32_t id : second_programs)
        EXPECT_FALSE(bpftool_knows(id)) << "program " << id << " is still loaded";

    auto again = run({cli, "delete", "program", std::to_string(second)});
    EXPECT_EQ(again.exit_code(), 1);
    EXPECT_THAT(again.err, HasSubstr("no program with ID " + std::to_string(second)));
}

TEST_F(CliPrograms, ErrorsExitWithOne)
{
    struct Case {
        std::string file, message;
    };
    for (const Case &c : {
             Case{"/nonexistent/loader_test.o", "No such file or directory"},
             Case{"/bin/true", "not a BPF object"},
             Case{"/etc/hostname", "not an ELF object file"},
             Case{bpf_path("loader_test_linux_only.o"), "no known section"},
             Case{bpf_path("loader_test_reject.o"), "-- verifier log of LoaderTestReject__winbpf_process_exec --"},
         }) {
        auto result = run({cli, "add", "program", c.file});
        EXPECT_EQ(result.exit_code(), 1) << c.file;
        EXPECT_THAT(result.err, HasSubstr(c.message)) << c.file;
        EXPECT_THAT(result.out, testing::Not(HasSubstr("Loaded with ID"))) << c.file;
    }
    auto reject = run({cli, "add", "program", bpf_path("loader_test_reject.o")});
    EXPECT_THAT(reject.err, HasSubstr("read from stack"));

    auto unknown = run({cli, "delete", "program", "4294967295"});
    EXPECT_EQ(unknown.exit_code(), 1);
    EXPECT_THAT(unknown.err, HasSubstr("no program with ID 4294967295"));
}

TEST_F(CliPrograms, ShowProgramsListsProgramsNotAddedByWinbpf)
{
    // Attached by this process through the library: listed, with their links but no pins.
    winbpf::Object object = winbpf::Object::open_file(bpf_path("loader_test_monitor.o"));
    object.load();
    winbpf::Attachment attachment(object);
    auto rows = show_programs();
    auto programs = linux_programs();
    std::uint32_t fork_tracker = winbpf::program_id(bpf_program__fd(object.support_programs()[0]), "fork tracker");
    for (const winbpf::HookProgram &hook : object.hooks()) {
        std::uint32_t id = winbpf::program_id(bpf_program__fd(hook.entries[0]), hook.handler);
        ASSERT_TRUE(rows.count(id)) << hook.handler;
        EXPECT_EQ(rows[id].type, "process");
        EXPECT_EQ(rows[id].name, hook.handler);
        EXPECT_EQ(rows[id].pins, 0u);
        EXPECT_EQ(rows[id].links, 2u); // exec and exit
        EXPECT_TRUE(programs[id].count(fork_tracker)) << "the object's fork tracker is listed under " << hook.handler;
    }
    EXPECT_FALSE(rows.count(fork_tracker));
}
