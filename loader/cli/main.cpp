// SPDX-License-Identifier: MIT
// winbpf: netsh-ebpf-style tool to load Windows-style eBPF programs on Linux (CONTRACT §7).
// Exit status: 0 success, 1 failure (the message says why), 2 usage error (one line and the verb's usage).
#include "commands.hpp"

#include "winbpf/error.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <map>

namespace
{

// Usage line of each verb (and of each verb group), printed after a usage error in it.
std::map<const CLI::App *, std::string> usages;

CLI::App *verb(CLI::App *parent, const std::string &name, const std::string &description, const std::string &usage)
{
    CLI::App *sub = parent->add_subcommand(name, description);
    usages[sub] = usage;
    return sub;
}

// The deepest verb the command line reached (for its usage).
const CLI::App *deepest(const CLI::App *app)
{
    for (const CLI::App *sub : app->get_subcommands({}))
        if (sub->parsed() > 0)
            return deepest(sub);
    return app;
}

// A word where a verb group expects its verb but that names none of them (CLI11 would only say that a subcommand is
// required): "unknown verb 'X' (expected a, b or c)", else empty.
std::string unknown_verb(const CLI::App &app, int argc, char **argv, const CLI::App *&where)
{
    const CLI::App *current = &app;
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word.starts_with("-") || current->get_require_subcommand_min() == 0)
            return {};
        std::string names;
        const CLI::App *next = nullptr;
        for (const CLI::App *sub : current->get_subcommands({})) {
            names += (names.empty() ? "" : ", ") + sub->get_name();
            if (sub->get_name() == word)
                next = sub;
        }
        if (!next) {
            where = current;
            return "unknown verb '" + word + "' (expected " + names + ")";
        }
        current = next;
    }
    return {};
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"winbpf: run eBPF-for-Windows programs on Linux (netsh ebpf style)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("winbpf ") + WINBPF_VERSION, "Print the version and exit");
    usages[&app] = "winbpf add|delete|show|pin|unpin ... (winbpf --help)";
    app.footer("Privileges (what the kernel asks; a verb without them says which it lacks before doing anything):\n"
               "  add program, show verification|disassembly|compatibility: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN\n"
               "  show programs|maps|links|map, pin: CAP_SYS_ADMIN (walking and opening BPF objects by id)\n"
               "  add, delete, show pins, unpin: access to the pins in /sys/fs/bpf (root's: CAP_DAC_OVERRIDE)\n"
               "  show sections|program-types: none");

    std::string file, map, path, kind;
    std::vector<std::string> parameters;
    std::uint32_t id = 0;
    bool json = false;
    double watch = 0;

    auto *add = verb(&app, "add", "Load and attach", "winbpf add program FILE [name=value ...]");
    add->require_subcommand(1);
    auto *add_program = verb(add, "program", "Load, attach and pin the hook programs of an object file",
                             "winbpf add program FILE [type=TYPE] [pinpath=PATH] [pinned=none|first|all] "
                             "[interface=IFNAME|IFINDEX] [cgroup=PATH] [capture=all|flow|drop|none] "
                             "[compartment_id=N|NETNS_PATH]");
    add_program->add_option("FILE", file, "Object built with Makefile.bpf")->required();
    add_program->add_option("PARAMETERS", parameters, "name=value parameters (netsh style)");

    auto *del = verb(&app, "delete", "Detach and unload", "winbpf delete program ID");
    del->require_subcommand(1);
    auto *delete_program =
        verb(del, "program", "Detach and unpin a program added by `add program`", "winbpf delete program ID");
    delete_program->add_option("ID", id, "ID printed by `add program` (or of any of its Linux programs)")->required();

    auto *show = verb(&app, "show", "Show BPF objects and object files",
                      "winbpf show programs|maps|links|pins|map|sections|verification|disassembly|compatibility|"
                      "program-types ... [--json]");
    show->require_subcommand(1);
    auto *show_programs = verb(show, "programs", "One row per Windows program (level=verbose: its Linux programs)",
                               "winbpf show programs [type=TYPE] [level=normal|verbose] [--json]");
    show_programs->add_option("PARAMETERS", parameters, "type=TYPE level=normal|verbose");
    auto *show_maps = verb(show, "maps", "Every BPF map", "winbpf show maps [--json]");
    auto *show_links = verb(show, "links", "Every BPF link", "winbpf show links [--json]");
    auto *show_pins = verb(show, "pins", "Every pin under /sys/fs/bpf", "winbpf show pins [--json]");
    auto *show_map = verb(show, "map", "The entries of one map, typed by its BTF",
                          "winbpf show map ID|NAME [--watch SECONDS] [--json]");
    show_map->add_option("MAP", map, "Map id or name")->required();
    show_map->add_option("--watch", watch, "Refresh every SECONDS (0.001 to 86400) until interrupted")
        ->check(CLI::Validator(
            [](std::string &value) -> std::string {
                char *end = nullptr;
                const double seconds = std::strtod(value.c_str(), &end);
                if (value.empty() || *end != '\0' || !(seconds >= 0.001) || seconds > 86400)
                    return "SECONDS must be a number of seconds from 0.001 to 86400 (e.g. 1 or 0.5), not '" + value +
                           "'";
                return {};
            },
            "SECONDS"));
    auto *show_sections =
        verb(show, "sections", "Programs and maps of an object file", "winbpf show sections FILE [--json]");
    show_sections->add_option("FILE", file, "Object file")->required();
    auto *show_verification = verb(show, "verification", "Run the kernel verifier on an object file (no attach)",
                                   "winbpf show verification FILE [section=SECTION] [program=NAME] [--json]");
    show_verification->add_option("FILE", file, "Object file")->required();
    show_verification->add_option("PARAMETERS", parameters, "section=SECTION program=NAME");
    auto *show_disassembly = verb(show, "disassembly", "Verified instructions with their source lines",
                                  "winbpf show disassembly FILE [section=SECTION] [program=NAME] [--json]");
    show_disassembly->add_option("FILE", file, "Object file")->required();
    show_disassembly->add_option("PARAMETERS", parameters, "section=SECTION program=NAME");
    auto *show_compatibility = verb(show, "compatibility", "What winbpf adapts to load an object file on Linux",
                                    "winbpf show compatibility FILE [--json]");
    show_compatibility->add_option("FILE", file, "Object file")->required();
    auto *show_types =
        verb(show, "program-types", "The Windows hooks winbpf maps", "winbpf show program-types [--json]");
    for (CLI::App *sub : {show_programs, show_maps, show_links, show_pins, show_map, show_sections, show_verification,
                          show_disassembly, show_compatibility, show_types})
        sub->add_flag("--json", json, "One JSON document on stdout");

    CLI::App *pin_verbs[2];
    for (int i = 0; i < 2; ++i) {
        const std::string name = i == 0 ? "pin" : "unpin";
        pin_verbs[i] = verb(&app, name, i == 0 ? "Pin a program or map" : "Remove a pin of a program or map",
                            "winbpf " + name + " program|map ID PATH");
        pin_verbs[i]->add_option("KIND", kind, "program or map")->required()->check(CLI::IsMember({"program", "map"}));
        pin_verbs[i]->add_option("ID", id, "Kernel id")->required();
        pin_verbs[i]->add_option("PATH", path, "Path in bpffs")->required();
    }

    const CLI::App *where = &app;
    if (std::string unknown = unknown_verb(app, argc, argv, where); !unknown.empty()) {
        std::cerr << "winbpf: " << unknown << "\nusage: " << usages[where] << "\n";
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        std::cerr << "winbpf: " << e.what() << "\nusage: " << usages[deepest(&app)] << "\n";
        return 2;
    }

    try {
        if (add_program->parsed())
            winbpf::cli::add_program(file, parameters);
        else if (delete_program->parsed())
            winbpf::cli::delete_program(id);
        else if (show_programs->parsed())
            winbpf::cli::show_programs(parameters, json);
        else if (show_maps->parsed())
            winbpf::cli::show_maps(json);
        else if (show_links->parsed())
            winbpf::cli::show_links(json);
        else if (show_pins->parsed())
            winbpf::cli::show_pins(json);
        else if (show_map->parsed())
            winbpf::cli::show_map(map, watch, json);
        else if (show_sections->parsed())
            winbpf::cli::show_sections(file, json);
        else if (show_verification->parsed())
            return winbpf::cli::show_verification(file, parameters, json);
        else if (show_disassembly->parsed())
            winbpf::cli::show_disassembly(file, parameters, json);
        else if (show_compatibility->parsed())
            winbpf::cli::show_compatibility(file, json);
        else if (show_types->parsed())
            winbpf::cli::show_program_types(json);
        else if (pin_verbs[0]->parsed())
            winbpf::cli::pin_object(kind, id, path);
        else if (pin_verbs[1]->parsed())
            winbpf::cli::unpin_object(kind, id, path);
    } catch (const winbpf::cli::UsageError &e) {
        std::cerr << "winbpf: " << e.what() << "\nusage: " << usages[deepest(&app)] << "\n";
        return 2;
    } catch (const std::exception &e) {
        std::cerr << "winbpf: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
