// SPDX-License-Identifier: MIT
// winbpf: netsh-ebpf-style tool to load Windows-style eBPF programs on Linux (CONTRACT §7).
#include "commands.hpp"

#include "winbpf/error.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char **argv)
{
    CLI::App app{"winbpf: run eBPF-for-Windows programs on Linux (netsh ebpf style)"};
    app.require_subcommand(1);

    auto *add = app.add_subcommand("add", "Load and attach");
    add->require_subcommand(1);
    std::string file;
    auto *add_program = add->add_subcommand("program", "Load, attach and pin the hook programs of an object file");
    add_program->add_option("FILE", file, "Object built with Makefile.bpf")->required();
    std::vector<std::string> parameters;
    add_program->add_option("PARAMETERS", parameters,
                            "name=value, netsh style: cgroup=PATH (bind: the cgroup-v2 directory to attach to; "
                            "default: the cgroup-v2 root), capture=all|flow|drop|none (netevent_monitor; default "
                            "drop)");

    auto *del = app.add_subcommand("delete", "Detach and unload");
    del->require_subcommand(1);
    std::uint32_t id = 0;
    auto *delete_program = del->add_subcommand("program", "Detach and unpin a program added by `add program`");
    delete_program->add_option("ID", id, "ID printed by `add program`")->required();

    auto *show = app.add_subcommand("show", "Show BPF objects");
    show->require_subcommand(1);
    auto *show_programs = show->add_subcommand("programs", "List every BPF program of the system");

    CLI11_PARSE(app, argc, argv);
    try {
        if (add_program->parsed())
            winbpf::cli::add_program(file, parameters);
        else if (delete_program->parsed())
            winbpf::cli::delete_program(id);
        else if (show_programs->parsed())
            winbpf::cli::show_programs();
    } catch (const std::exception &e) {
        std::cerr << "winbpf: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
