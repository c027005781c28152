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
// netsh's type=: every handler of the object must be of that hook type; an unknown type is an error.
void check_type(const Object &object, const std::string &type)
{
    std::string known, present;
    bool is_known = false;
    for (const HookType &hook : hook_types()) {
        known += (known.empty() ? "" : ", ") + hook.name;
        is_known = is_known || hook.name == type;
    }
    if (!is_known)
        throw Error("Program type is invalid. ('" + type + "'; winbpf knows " + known + ")", EINVAL);
    bool fits = true;
    for (const HookProgram &hook : object.hooks()) {
        fits = fits && hook.hook == type;
        if (present.find(hook.hook) == std::string::npos)
            present += (present.empty() ? "" : ", ") + hook.hook;
    }
    if (!fits)
        throw Error(object.name() + ": its programs are of type " + present + ", not " + type, EINVAL);
}
} // namespace

void add_program(const std::string &file, const std::vector<std::string> &parameters)
{
    auto values = parse_parameters(parameters, {"type", "pinpath", "pinned", "interface", "cgroup", "capture"});
    AttachOptions options;
    options.cgroup = values["cgroup"];
    options.capture = values["capture"];
    options.interface = values["interface"];
    std::string pinned = values.count("pinned") ? values["pinned"] : values.count("pinpath") ? "first" : "none";
    if (pinned != "none" && pinned != "first" && pinned != "all")
        throw UsageError("pinned=" + pinned + " is invalid (expected none, first or all)");
    require_bpf_privilege();
    ensure_bpffs();
    Object object = Object::open_file(file);
    if (values.count("type"))
        check_type(object, values["type"]);
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
        // netsh's pinned=first|all: the handler's primary program also at pinpath (first: that path itself; all: a
        // file per handler in that directory). Such a pin keeps the program loaded after `delete program`.
        if (pinned == "all" || (pinned == "first" && ids.empty())) {
            std::string at = values.count("pinpath") ? values["pinpath"] : "/sys/fs/bpf";
            if (pinned == "all" || !values.count("pinpath"))
                at += "/" + hook.handler;
            pins.pin(bpf_program__fd(primary), at, "program '" + std::string(bpf_program__name(primary)) + "'");
        }
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
