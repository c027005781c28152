// SPDX-License-Identifier: MIT
// winbpf: netsh-ebpf-style tool to load Windows-style eBPF programs on Linux (docs/cli.md).
// Exit status: 0 success, 1 failure (the message says why), 2 usage error (one line and the verb's usage).
// `winbpf` alone (or `winbpf shell`) opens the `ebpf>` context (shell.cpp).
#include "commands.hpp"
#include "verbs.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>

namespace winbpf::cli
{

namespace
{

using Values = std::map<std::string, std::string>;

// What a verb gets: its parameters by tag, --json and show map's --watch.
struct Call {
    Values values;
    bool json = false;
    double watch = 0;
};

struct VerbRow {
    VerbInfo info;
    bool json;                         ///< Takes --json.
    std::vector<std::string> required; ///< Tags that must be given.
    std::function<int(Call &)> run;    ///< Exit status.
};

// The parameters other than the skipped tags, as name=value words for the verbs' own checks (parse_parameters).
std::vector<std::string> rest(const Values &values, std::initializer_list<std::string_view> skipped)
{
    std::vector<std::string> words;
    for (const auto &[tag, value] : values)
        if (std::find(skipped.begin(), skipped.end(), tag) == skipped.end())
            words.push_back(tag + "=" + value);
    return words;
}

// "[capture=all|flow|drop|none]": the capture types (capture_type_names) in add and set program's usage.
std::string capture_usage()
{
    std::string usage = "[capture=";
    for (std::string_view name : capture_type_names)
        usage.append(name).append("|");
    usage.back() = ']';
    return usage;
}

std::uint32_t id_of(const std::string &text)
{
    if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(text) > 0xffffffffULL)
        throw UsageError("id=" + text + " is not a program or map ID (a number from 0 to 4294967295)");
    return static_cast<std::uint32_t>(std::stoul(text));
}

const std::vector<VerbRow> &table()
{
    static const std::vector<VerbRow> verbs = [] {
        std::vector<VerbRow> v;
        v.push_back({{{"add", "program"},
                      "Load, attach and pin the hook programs of an object file",
                      "winbpf add program [filename=]FILE [type=]TYPE [pinpath=]PATH [interface=]IFNAME|IFINDEX "
                      "[pinned=]none|first|all [execution=]jit|native|interpret [cgroup=PATH] " +
                          capture_usage() + " [compartment_id=N|NETNS_PATH]",
                      {"filename", "type", "pinpath", "interface", "pinned", "execution", "compartment", "cgroup",
                       "capture", "compartment_id"}},
                     false,
                     {"filename"},
                     [](Call &c) {
                         add_program(c.values["filename"], rest(c.values, {"filename"}));
                         return 0;
                     }});
        v.push_back({{{"delete", "program"},
                      "Detach and unpin a program added by `add program` (by ID, or by file and section)",
                      "winbpf delete program [id=]ID | [filename=]FILE [section=]SECTION",
                      {"id", "section", "filename"}},
                     false,
                     {},
                     [](Call &c) {
                         // netsh's `delete program ID`, or the demo's `delete program FILE SECTION`: a first value
                         // that is not a number is the file.
                         const bool by_id = !c.values.count("filename") && c.values.count("id") &&
                                            c.values["id"].find_first_not_of("0123456789") == std::string::npos;
                         if (by_id && c.values.count("section"))
                             throw UsageError("section=" + c.values["section"] + " is given with an ID (expected " +
                                              "delete program ID, or delete program FILE SECTION)");
                         if (by_id) {
                             delete_program(id_of(c.values["id"]));
                             return 0;
                         }
                         if (c.values.count("filename") && c.values.count("id"))
                             throw UsageError("id=" + c.values["id"] + " is given with filename= (expected one)");
                         const std::string file = c.values.count("filename") ? c.values["filename"] : c.values["id"];
                         if (file.empty())
                             throw UsageError("id is required (or filename and section)");
                         delete_programs_of_file(file, c.values["section"]);
                         return 0;
                     }});
        v.push_back({{{"set", "program"},
                      "Attach or detach an added program (it stays loaded), or pin it at one more path",
                      "winbpf set program [id=]ID [attached=]yes|no [pinpath=]PATH [interface=]IFNAME|IFINDEX "
                      "[cgroup=PATH] " +
                          capture_usage() + " [compartment_id=N|NETNS_PATH]",
                      {"id", "attached", "pinpath", "interface", "cgroup", "capture", "compartment_id"}},
                     false,
                     {"id"},
                     [](Call &c) {
                         set_program(id_of(c.values["id"]), rest(c.values, {"id"}));
                         return 0;
                     }});
        v.push_back({{{"show", "programs"},
                      "One row per Windows program (level=verbose: its Linux programs)",
                      "winbpf show programs [type=TYPE] [attached=yes|no] [pinned=yes|no] [level=normal|verbose] "
                      "[filename=FILE] [section=SECTION] [id=ID] [--json]",
                      {"type", "attached", "pinned", "level", "filename", "section", "id"}},
                     true,
                     {},
                     [](Call &c) {
                         show_programs(rest(c.values, {}), c.json);
                         return 0;
                     }});
        v.push_back({{{"show", "maps"}, "Every BPF map", "winbpf show maps [--json]", {}}, true, {}, [](Call &c) {
                         show_maps(c.json);
                         return 0;
                     }});
        v.push_back({{{"show", "links"}, "Every BPF link", "winbpf show links [--json]", {}}, true, {}, [](Call &c) {
                         show_links(c.json);
                         return 0;
                     }});
        v.push_back(
            {{{"show", "pins"}, "Every pin under /sys/fs/bpf", "winbpf show pins [--json]", {}}, true, {}, [](Call &c) {
                 show_pins(c.json);
                 return 0;
             }});
        v.push_back({{{"show", "map"},
                      "The entries of one map, typed by its BTF",
                      "winbpf show map [map=]ID|NAME [--watch SECONDS] [--json]",
                      {"map"}},
                     true,
                     {"map"},
                     [](Call &c) {
                         show_map(c.values["map"], c.watch, c.json);
                         return 0;
                     }});
        v.push_back({{{"show", "sections"},
                      "Programs and maps of an object file",
                      "winbpf show sections [filename=]FILE [section=SECTION] [level=normal|verbose] [--json]",
                      {"filename", "section", "level"}},
                     true,
                     {"filename"},
                     [](Call &c) {
                         show_sections(c.values["filename"], rest(c.values, {"filename"}), c.json);
                         return 0;
                     }});
        v.push_back(
            {{{"show", "verification"},
              "Run the kernel verifier on an object file (no attach)",
              "winbpf show verification [filename=]FILE [section=]SECTION [program=]NAME [type=]TYPE "
              "[level=]normal|verbose [--json]",
              {"filename", "section", "program", "type", "level"}},
             true,
             {"filename"},
             [](Call &c) { return show_verification(c.values["filename"], rest(c.values, {"filename"}), c.json); }});
        v.push_back({{{"show", "disassembly"},
                      "Verified instructions with their source lines",
                      "winbpf show disassembly [filename=]FILE [section=]SECTION [program=]NAME [--json]",
                      {"filename", "section", "program"}},
                     true,
                     {"filename"},
                     [](Call &c) {
                         show_disassembly(c.values["filename"], rest(c.values, {"filename"}), c.json);
                         return 0;
                     }});
        v.push_back({{{"show", "compatibility"},
                      "What winbpf adapts to load an object file on Linux",
                      "winbpf show compatibility [filename=]FILE [--json]",
                      {"filename"}},
                     true,
                     {"filename"},
                     [](Call &c) {
                         show_compatibility(c.values["filename"], c.json);
                         return 0;
                     }});
        v.push_back(
            {{{"show", "program-types"}, "The Windows hooks winbpf maps", "winbpf show program-types [--json]", {}},
             true,
             {},
             [](Call &c) {
                 show_program_types(c.json);
                 return 0;
             }});
        v.push_back({{{"show", "processes"},
                      "The processes that hold BPF programs, maps or links, with their IDs",
                      "winbpf show processes [--json]",
                      {}},
                     true,
                     {},
                     [](Call &c) {
                         show_processes(c.json);
                         return 0;
                     }});
        for (const std::string name : {"pin", "unpin"})
            for (const std::string kind : {"program", "map"})
                v.push_back({{{name, kind},
                              name == "pin" ? "Pin a " + kind + " by its ID" : "Remove a pin of a " + kind,
                              "winbpf " + name + " program|map [id=]ID [pinpath=]PATH",
                              {"id", "pinpath"}},
                             false,
                             {"id", "pinpath"},
                             [name, kind](Call &c) {
                                 const std::uint32_t id = id_of(c.values["id"]);
                                 if (name == "pin")
                                     pin_object(kind, id, c.values["pinpath"]);
                                 else
                                     unpin_object(kind, id, c.values["pinpath"]);
                                 return 0;
                             }});
        return v;
    }();
    return verbs;
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return text;
}

// The verb groups (first words) in table order.
std::vector<std::string> groups()
{
    std::vector<std::string> names;
    for (const VerbRow &verb : table())
        if (std::find(names.begin(), names.end(), verb.info.words[0]) == names.end())
            names.push_back(verb.info.words[0]);
    return names;
}

std::string join(const std::vector<std::string> &names)
{
    std::string list;
    for (const std::string &name : names)
        list += (list.empty() ? "" : ", ") + name;
    return list;
}

std::string group_usage(const std::string &group)
{
    std::string list;
    for (const VerbRow &verb : table())
        if (verb.info.words[0] == group)
            list += (list.empty() ? "" : "|") + verb.info.words[1];
    return "winbpf " + group + " " + list + " ... (winbpf " + group + " --help)";
}

constexpr const char *top_usage = "winbpf [add|delete|set|show|pin|unpin ...] (winbpf --help; winbpf alone: the ebpf> "
                                  "context)";

constexpr const char *privileges =
    "Privileges (what the kernel asks; a verb without them says which it lacks before doing anything):\n"
    "  add program, set program attached=yes, show verification|disassembly|compatibility: CAP_BPF, CAP_PERFMON, "
    "CAP_NET_ADMIN\n"
    "  show programs|maps|links|map, pin: CAP_SYS_ADMIN (walking and opening BPF objects by id)\n"
    "  show processes: CAP_SYS_PTRACE to see other users' processes\n"
    "  add, delete, set, show pins, unpin: access to the pins in /sys/fs/bpf (root's: CAP_DAC_OVERRIDE)\n"
    "  show sections|program-types: none";

int usage_error(const std::string &message, const std::string &usage)
{
    std::cerr << "winbpf: " << message << "\nusage: " << usage << "\n";
    return 2;
}

void print_verb(const VerbRow &verb, std::ostream &out)
{
    out << verb.info.description << "\nusage: " << verb.info.usage << "\n";
    if (!verb.info.tags.empty())
        out << "Parameters (TAG=VALUE, or values alone in this order): " << join(verb.info.tags) << "\n";
}

} // namespace

const std::vector<VerbInfo> &verbs()
{
    static const std::vector<VerbInfo> infos = [] {
        std::vector<VerbInfo> list;
        for (const VerbRow &verb : table())
            list.push_back(verb.info);
        return list;
    }();
    return infos;
}

std::map<std::string, std::string> assign_parameters(const std::vector<std::string> &words,
                                                     const std::vector<std::string> &tags)
{
    const std::string takes = tags.empty() ? "no parameters" : join(tags);
    std::map<std::string, std::string> values;
    std::vector<std::string> positional;
    for (const std::string &word : words) {
        const auto equals = word.find('=');
        if (equals == std::string::npos) {
            positional.push_back(word);
            continue;
        }
        const std::string tag = lower(word.substr(0, equals));
        if (std::find(tags.begin(), tags.end(), tag) == tags.end())
            throw UsageError("unknown parameter '" + word.substr(0, equals) + "' (this verb takes " + takes + ")");
        if (equals + 1 == word.size())
            throw UsageError("parameter '" + word + "' has no value (expected " + tag + "=VALUE)");
        if (!values.emplace(tag, word.substr(equals + 1)).second)
            throw UsageError("parameter '" + tag + "' is given twice");
    }
    auto next = tags.begin();
    for (const std::string &value : positional) {
        while (next != tags.end() && values.count(*next))
            ++next;
        if (next == tags.end())
            throw UsageError("unexpected parameter '" + value + "' (this verb takes " + takes +
                             ", as TAG=VALUE or in this order)");
        if (value.empty())
            throw UsageError("parameter '" + *next + "' has an empty value");
        values.emplace(*next++, value);
    }
    return values;
}

bool print_help(const std::vector<std::string> &words, std::ostream &out)
{
    if (words.empty()) {
        out << "winbpf: run eBPF-for-Windows programs on Linux (netsh ebpf style)\nusage: " << top_usage
            << "\n\nVerbs:\n";
        for (const VerbRow &verb : table())
            out << "  " << verb.info.usage << "\n";
        out << "\nOptions: --json (verbs that show something: one JSON document), --watch SECONDS (show map), "
               "--help (after a verb: its usage and parameters), --version\n\n"
            << privileges << "\n";
        return true;
    }
    bool any = false;
    for (const VerbRow &verb : table()) {
        if (verb.info.words[0] != words[0] || (words.size() > 1 && verb.info.words[1] != words[1]))
            continue;
        out << (any ? "\n" : "") << verb.info.words[0] << " " << verb.info.words[1] << ": ";
        print_verb(verb, out);
        any = true;
    }
    return any;
}

int run_verb(const std::vector<std::string> &words)
{
    if (words.empty())
        return usage_error("a verb is required (expected " + join(groups()) + ")", top_usage);
    const std::vector<std::string> names = groups();
    if (words[0] == "--help" || words[0] == "-h" || words[0] == "help" || words[0] == "?") {
        print_help({}, std::cout);
        return 0;
    }
    if (words[0] == "--version") {
        std::cout << "winbpf " << WINBPF_VERSION << "\n";
        return 0;
    }
    if (std::find(names.begin(), names.end(), words[0]) == names.end())
        return usage_error("unknown verb '" + words[0] + "' (expected " + join(names) + ")", top_usage);
    std::vector<std::string> objects;
    const VerbRow *verb = nullptr;
    for (const VerbRow &candidate : table())
        if (candidate.info.words[0] == words[0]) {
            objects.push_back(candidate.info.words[1]);
            if (words.size() > 1 && candidate.info.words[1] == words[1])
                verb = &candidate;
        }
    if (words.size() > 1 && (words[1] == "--help" || words[1] == "-h")) {
        print_help({words[0]}, std::cout);
        return 0;
    }
    if (!verb)
        return usage_error(
            (words.size() < 2 ? "a verb is required after '" + words[0] + "'" : "unknown verb '" + words[1] + "'") +
                " (expected " + join(objects) + ")",
            group_usage(words[0]));

    Call call;
    std::vector<std::string> parameters;
    try {
        for (std::size_t i = 2; i < words.size(); ++i) {
            const std::string &word = words[i];
            if (word == "--help" || word == "-h") {
                print_verb(*verb, std::cout);
                return 0;
            }
            if (verb->json && word == "--json") {
                call.json = true;
                continue;
            }
            if (verb->info.words[1] == "map" && verb->info.words[0] == "show" &&
                (word == "--watch" || word.starts_with("--watch="))) {
                std::string value = word == "--watch" ? (i + 1 < words.size() ? words[++i] : "") : word.substr(8);
                char *end = nullptr;
                const double seconds = std::strtod(value.c_str(), &end);
                if (value.empty() || *end != '\0' || !(seconds >= 0.001) || seconds > 86400)
                    throw UsageError("--watch: SECONDS must be a number of seconds from 0.001 to 86400 (e.g. 1 or "
                                     "0.5), not '" +
                                     value + "'");
                call.watch = seconds;
                continue;
            }
            if (word.starts_with("--"))
                throw UsageError("unknown option '" + word + "'");
            parameters.push_back(word);
        }
        call.values = assign_parameters(parameters, verb->info.tags);
        for (const std::string &tag : verb->required)
            if (!call.values.count(tag))
                throw UsageError(tag + " is required");
    } catch (const UsageError &e) {
        return usage_error(e.what(), verb->info.usage);
    }

    try {
        return verb->run(call);
    } catch (const UsageError &e) {
        return usage_error(e.what(), verb->info.usage);
    } catch (const std::exception &e) {
        std::cerr << "winbpf: " << e.what() << "\n";
        return 1;
    }
}

} // namespace winbpf::cli

int main(int argc, char **argv)
{
    const std::vector<std::string> words(argv + 1, argv + argc);
    if (words.empty() || (words.size() == 1 && words[0] == "shell"))
        return winbpf::cli::run_shell();
    if (words[0] == "__complete") {
        // Hidden, for the bash completion: `winbpf __complete WORD... CURRENT` prints the candidates for CURRENT
        // (the word being typed, possibly empty) one per line.
        if (words.size() < 2)
            return 2;
        const std::vector<std::string> before(words.begin() + 1, words.end() - 1);
        for (const std::string &candidate : winbpf::cli::completions(before, words.back()))
            if (!before.empty() || (candidate != "exit" && candidate != "quit")) // the ebpf> context's words
                std::cout << candidate << "\n";
        return 0;
    }
    return winbpf::cli::run_verb(words);
}
