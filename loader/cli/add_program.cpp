// SPDX-License-Identifier: MIT
// `winbpf add program FILE`
#include "commands.hpp"
#include "pin_layout.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/object.hpp"
#include "winbpf/system.hpp"

#include <bpf/libbpf.h>

#include <filesystem>
#include <iostream>
#include <map>

namespace winbpf::cli
{

namespace
{
// netsh-style name=value parameters of `add program`.
AttachOptions parse_parameters(const std::vector<std::string> &parameters)
{
    AttachOptions options;
    for (const std::string &parameter : parameters) {
        auto equals = parameter.find('=');
        std::string name = parameter.substr(0, equals);
        if (equals == std::string::npos || equals + 1 == parameter.size())
            throw Error("parameter '" + parameter + "' has no value (expected name=value, e.g. cgroup=PATH)", EINVAL);
        if (name == "cgroup")
            options.cgroup = parameter.substr(equals + 1);
        else if (name == "capture")
            options.capture = parameter.substr(equals + 1);
        else
            throw Error("unknown parameter '" + name +
                            "' (add program takes cgroup=PATH and capture=all|flow|drop|none)",
                        EINVAL);
    }
    return options;
}
} // namespace

void add_program(const std::string &file, const std::vector<std::string> &parameters)
{
    AttachOptions options = parse_parameters(parameters);
    ensure_bpffs();
    Object object = Object::open_file(file);
    object.load();
    Attachment attachment(object, options);
    std::map<const bpf_program *, Link *> link_of;
    for (Link &link : attachment.links())
        link_of[link.program()] = &link;

    PinTransaction pins;
    std::error_code ec;
    if (!std::filesystem::is_directory(pin_root, ec))
        pins.make_dir(pin_root);

    // Pins program and its link (when attached) into dir.
    auto pin_program = [&](bpf_program *program, const std::string &dir) {
        std::string function = bpf_program__name(program);
        pins.pin(bpf_program__fd(program), dir + "/" + function, "program '" + function + "'");
        if (auto it = link_of.find(program); it != link_of.end())
            pins.pin(bpf_link__fd(it->second->raw()), dir + "/" + link_pin_name(function),
                     "the link of program '" + function + "'");
    };

    std::vector<std::uint32_t> ids;
    for (const HookProgram &hook : object.hooks()) {
        bpf_program *primary = hook.entries.front();
        std::uint32_t id = program_id(bpf_program__fd(primary), "program '" + std::string(bpf_program__name(primary)) +
                                                                    "' of handler " + hook.handler);
        std::string dir = handler_dir(id);
        pins.make_dir(dir);
        for (bpf_program *entry : hook.entries)
            if (bpf_program__autoload(entry))
                pin_program(entry, dir);
        for (bpf_program *support : object.support_programs())
            if (bpf_program__autoload(support))
                pin_program(support, dir);
        ids.push_back(id);
    }
    pins.commit();
    // The links live on through their pins: closing our fds must not detach them.
    for (Link &link : attachment.links())
        bpf_link__disconnect(link.raw());

    for (std::uint32_t id : ids)
        std::cout << "Loaded with ID " << id << "\n";
    std::cout.flush();
    for (const std::string &adaptation : object.adaptations())
        std::cerr << "Adapted " << adaptation << "\n";
    for (const std::string &note : attachment.notes())
        std::cerr << note << "\n";
}

} // namespace winbpf::cli
