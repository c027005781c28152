// SPDX-License-Identifier: MIT
// The man pages (docs/man, built to roff by scdoc) say what each tool's --help says, and winbpf's bash completion
// (packaging/completion/winbpf.bash, driven by `winbpf __complete`) completes verbs, parameters, values, program IDs
// and map names of the running system.
#include "support/cgroup.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace
{

using testing::Contains;
using testing::ElementsAre;
using testing::Not;
using winbpf::test::run;

const std::string cli = WINBPF_CLI_PATH;

// The text of a roff man page with its font escapes, '\-' and '\&' removed.
std::string man_text(const std::string &page)
{
    std::ifstream in(std::string(WINBPF_MAN_DIR) + "/" + page);
    EXPECT_TRUE(in) << "no man page " << WINBPF_MAN_DIR << "/" << page;
    std::stringstream text;
    text << in.rdbuf();
    std::string roff = std::regex_replace(text.str(), std::regex(R"(\\f[BIRP])"), "");
    roff = std::regex_replace(roff, std::regex(R"(\\-)"), "-");
    return std::regex_replace(roff, std::regex(R"(\\&)"), "");
}

// A section of a roff page (from ".SH NAME" to the next ".SH"); a missing section is a failure unless optional.
std::string man_section(const std::string &roff, const std::string &name, bool optional = false)
{
    const auto start = roff.find(".SH " + name + "\n");
    EXPECT_TRUE(optional || start != std::string::npos) << "no section " << name;
    if (start == std::string::npos)
        return "";
    const auto end = roff.find("\n.SH ", start + 1);
    return roff.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Every match of pattern's first group in text.
std::set<std::string> matches(const std::string &text, const std::string &pattern)
{
    std::set<std::string> found;
    const std::regex re(pattern);
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
        found.insert((*it)[1]);
    return found;
}

const char *const long_option = R"((?:^|[\s,\[|(])(--[a-z][a-z0-9-]*))";

std::string help_of(const std::vector<std::string> &argv)
{
    const auto result = run(argv);
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    return result.out;
}

struct Monitor {
    const char *name;
    const char *path;
};

// Every long option of a monitor's --help is in its man page's synopsis or options, and every option the page
// names is one --help lists.
TEST(ManPages, EachMonitorsPageNamesExactlyTheOptionsOfItsHelp)
{
    for (const Monitor &monitor :
         {Monitor{"process_monitor", PROCESS_MONITOR_PATH}, Monitor{"bind_monitor", BIND_MONITOR_PATH},
          Monitor{"netevent_monitor", NETEVENT_MONITOR_PATH}, Monitor{"connection_monitor", CONNECTION_MONITOR_PATH}}) {
        SCOPED_TRACE(monitor.name);
        const std::set<std::string> in_help = matches(help_of({monitor.path, "--help"}), long_option);
        ASSERT_THAT(in_help, Contains("--json"));
        const std::string roff = man_text(std::string(monitor.name) + ".8");
        const std::set<std::string> in_page = matches(
            man_section(roff, "SYNOPSIS") + man_section(roff, "OPTIONS", true) + man_section(roff, "COMMON OPTIONS"),
            long_option);
        for (const std::string &option : in_help)
            EXPECT_THAT(in_page, Contains(option)) << "the man page lacks " << option;
        for (const std::string &option : in_page)
            EXPECT_THAT(in_help, Contains(option)) << "--help lacks " << option << ", which the man page names";
        EXPECT_NE(roff.find(".TH \"" +
                            [&] {
                                std::string upper = monitor.name;
                                for (char &c : upper)
                                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                                return upper;
                            }() +
                            "\" \"8\""),
                  std::string::npos)
            << "section 8 title";
    }
}

// winbpf's page: every verb of `winbpf --help` under VERBS with each of its parameters (`winbpf VERB --help`), every
// verb and TAG= the page names is one of winbpf's, and the options are those of --help.
TEST(ManPages, WinbpfPageNamesExactlyItsVerbsParametersAndOptions)
{
    const std::string help = help_of({cli, "--help"});
    const std::string roff = man_text("winbpf.8");
    const std::string verbs_section = man_section(roff, "VERBS");

    // "  winbpf show programs ...", "  winbpf pin program|map ...": each verb of the table.
    std::set<std::string> verbs;
    std::set<std::string> groups;
    for (const std::string &line : matches(help, R"(\n  winbpf ([a-z]+ [a-z|-]+))")) {
        const std::string group = line.substr(0, line.find(' '));
        groups.insert(group);
        std::stringstream objects(line.substr(line.find(' ') + 1));
        for (std::string object; std::getline(objects, object, '|');)
            verbs.insert(group + " " + object);
    }
    ASSERT_THAT(verbs, Contains("add program"));
    ASSERT_THAT(verbs, Contains("show verification"));

    // The page's verb entries: a term line (the verbs it describes, e.g. "show maps [--json], show links ...") and
    // its paragraph, up to the .RE that ends it.
    std::vector<std::pair<std::string, std::string>> entries;
    std::stringstream lines(verbs_section.substr(verbs_section.find('\n') + 1));
    for (std::string line, entry; std::getline(lines, line);) {
        if (line.starts_with(".RE")) {
            const auto term = entry.find('\n');
            entries.emplace_back(entry.substr(0, term), entry);
            entry.clear();
        } else if (!line.starts_with(".")) {
            entry += line + "\n";
        }
    }
    ASSERT_FALSE(entries.empty()) << verbs_section;
    const auto names = [](const std::string &term, const std::string &verb) {
        return term.starts_with(verb + " ") || term.find(", " + verb + " ") != std::string::npos;
    };

    std::set<std::string> tags;
    for (const std::string &verb : verbs) {
        SCOPED_TRACE(verb);
        const auto entry =
            std::find_if(entries.begin(), entries.end(), [&](const auto &e) { return names(e.first, verb); });
        ASSERT_NE(entry, entries.end()) << "the man page's VERBS lack " << verb;
        std::stringstream words(verb);
        std::vector<std::string> argv{cli};
        for (std::string word; words >> word;)
            argv.push_back(word);
        argv.push_back("--help");
        const std::string verb_help = help_of(argv);
        std::smatch parameters;
        if (std::regex_search(verb_help, parameters, std::regex(R"(Parameters \([^)]*\): ([a-z_, ]+))"))) {
            std::stringstream list(parameters[1].str());
            for (std::string tag; std::getline(list >> std::ws, tag, ',');) {
                tags.insert(tag);
                EXPECT_NE(entry->second.find(tag + "="), std::string::npos) << "the man page lacks " << tag << "=";
            }
        }
    }
    for (const std::string &named : matches(verbs_section, R"((?:^|[\s\[|])([a-z_]+)=)"))
        EXPECT_THAT(tags, Contains(named)) << "the man page names " << named << "=, which no verb takes";
    for (const auto &[term, paragraph] : entries)
        for (const std::string &named : matches(term, R"((?:^|, )([a-z]+ [a-z-]+) )"))
            EXPECT_THAT(verbs, Contains(named)) << "the man page names a verb winbpf lacks";

    const std::set<std::string> in_help = matches(help, long_option);
    const std::set<std::string> in_page = matches(man_section(roff, "OPTIONS"), long_option);
    EXPECT_THAT(in_help, Contains("--version"));
    EXPECT_EQ(in_page, in_help);
}

// What `complete -F _winbpf winbpf` offers for line (the cursor at its end), one candidate each.
std::vector<std::string> complete(const std::string &line)
{
    const std::string script = "source \"$1\"; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; _winbpf; "
                               "printf '%s\\n' \"${COMPREPLY[@]}\"";
    const auto result = run({"/bin/bash", "-c", script, "bash", WINBPF_COMPLETION, line});
    EXPECT_EQ(result.exit_code(), 0) << result.err;
    EXPECT_EQ(result.err, "");
    std::vector<std::string> candidates;
    std::stringstream out(result.out);
    for (std::string candidate; std::getline(out, candidate);)
        if (!candidate.empty())
            candidates.push_back(candidate);
    return candidates;
}

TEST(BashCompletion, VerbsObjectsParametersAndValues)
{
    const auto verbs = complete(cli + " ");
    for (const char *verb : {"add", "delete", "show", "pin", "unpin", "help"})
        EXPECT_THAT(verbs, Contains(verb));
    EXPECT_THAT(verbs, Not(Contains("exit"))) << "a word of the ebpf> context only";
    EXPECT_THAT(complete(cli + " sh"), ElementsAre("show"));
    EXPECT_THAT(complete(cli + " show prog"), testing::UnorderedElementsAre("programs", "program-types"));
    EXPECT_THAT(complete(cli + " add program droppacket.o inter"), ElementsAre("interface="));
    EXPECT_THAT(complete(cli + " show programs --j"), ElementsAre("--json"));
    EXPECT_THAT(complete(cli + " show map x --w"), ElementsAre("--watch"));
    // After TAG= bash replaces only the value (= breaks words).
    EXPECT_THAT(complete(cli + " show programs level=v"), ElementsAre("verbose"));
    const auto types = complete(cli + " add program x.o type=");
    for (const char *type : {"process", "bind", "netevent_monitor", "xdp", "sockops"})
        EXPECT_THAT(types, Contains(type));
    EXPECT_THAT(complete(cli + " show programs attached="), testing::IsSupersetOf({"yes", "no"}));
}

class BashCompletionOfLiveObjects : public winbpf::test::KernelTest
{
  protected:
    BashCompletionOfLiveObjects() : KernelTest("/sys/fs/bpf/winbpf") {}
};

// A program the test adds: its ID completes `delete program`, its object's map name `show map`.
TEST_F(BashCompletionOfLiveObjects, ProgramIdsAndMapNames)
{
    winbpf::test::TestCgroup cgroup;
    const auto added = run({cli, "add", "program", BIND_MONITOR_OBJECT, "cgroup=" + cgroup.path().string()});
    ASSERT_EQ(added.exit_code(), 0) << added.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(added.out, m, std::regex(R"(Loaded with ID (\d+))"))) << added.out;
    const std::string id = m[1];

    EXPECT_THAT(complete(cli + " delete program " + id.substr(0, 1)), Contains(id));
    EXPECT_THAT(complete(cli + " delete program id=" + id.substr(0, 1)), Contains(id));
    EXPECT_THAT(complete(cli + " show map limits_m"), Contains("limits_map"));

    const auto deleted = run({cli, "delete", "program", id});
    EXPECT_EQ(deleted.exit_code(), 0) << deleted.err;
    ASSERT_TRUE(winbpf::test::wait_until_freed({static_cast<std::uint32_t>(std::stoul(id))}, std::chrono::seconds(5)));
    EXPECT_THAT(complete(cli + " delete program " + id), Not(Contains(id)));
}

} // namespace
