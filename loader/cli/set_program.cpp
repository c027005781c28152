// SPDX-License-Identifier: MIT
// `winbpf set program ID [attached=yes|no] [pinpath=PATH] [interface=IF] [cgroup=PATH] ...` (netsh's set program)
#include "commands.hpp"
#include "pin_layout.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/system.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>

namespace winbpf::cli
{

namespace
{

namespace fs = std::filesystem;

// The pins of the added program in dir: its programs (by function name) and its links.
struct AddedPins {
    std::vector<PinnedObject> programs, links;
};

AddedPins added_pins(const std::string &dir)
{
    AddedPins pins;
    for (PinnedObject &pin : list_pins(dir)) {
        if (fs::path(pin.path).parent_path() != fs::path(dir))
            continue;
        if (pin.kind == PinnedObject::Kind::program)
            pins.programs.push_back(std::move(pin));
        else if (pin.kind == PinnedObject::Kind::link)
            pins.links.push_back(std::move(pin));
    }
    return pins;
}

std::string id_text(std::uint32_t id, const std::string &dir)
{
    const std::string own = fs::path(dir).filename().string();
    return own == std::to_string(id) ? "ID " + own : "ID " + std::to_string(id) + " (added program " + own + ")";
}

// Attaches the programs pinned in dir through their hooks' modules and pins each link beside its program. A program
// whose link another added program pins (an object's support program, shared by its handlers) gets that link.
void attach(std::uint32_t id, const std::string &dir, const AttachOptions &options)
{
    const AddedPins pins = added_pins(dir);
    if (!pins.links.empty())
        throw Error("program " + id_text(id, dir) + " is attached already (" + std::to_string(pins.links.size()) +
                        (pins.links.size() == 1 ? " link" : " links") + "; `winbpf set program " + std::to_string(id) +
                        " attached=no` detaches it)",
                    EEXIST);
    std::map<std::uint32_t, std::string> link_elsewhere; // program id -> a link pin of it outside dir
    for (const PinnedObject &pin : list_pins("/sys/fs/bpf"))
        if (pin.kind == PinnedObject::Kind::link && !pin.path.starts_with(dir + "/"))
            link_elsewhere.emplace(pin.program_id, pin.path);

    std::vector<UniqueFd> program_fds;
    std::vector<PinnedProgram> to_attach;
    std::vector<std::pair<std::string, std::string>> shared; // (link pin elsewhere, function)
    for (const PinnedObject &pin : pins.programs) {
        const std::string function = fs::path(pin.path).filename().string();
        if (auto it = link_elsewhere.find(pin.id); it != link_elsewhere.end()) {
            shared.emplace_back(it->second, function);
            continue;
        }
        UniqueFd fd(bpf_obj_get(pin.path.c_str()));
        if (!fd) {
            int err = errno;
            throw Error("opening program '" + function + "' pinned at " + pin.path + ": " + std::strerror(err), err);
        }
        to_attach.push_back(PinnedProgram{fd.get(), function});
        program_fds.push_back(std::move(fd));
    }
    std::vector<UniqueFd> links = attach_pinned(to_attach, options);

    PinTransaction transaction;
    for (std::size_t i = 0; i < links.size(); ++i)
        if (links[i])
            transaction.pin(links[i].get(), dir + "/" + link_pin_name(to_attach[i].name),
                            "the link of program '" + to_attach[i].name + "'");
    for (const auto &[pin, function] : shared) {
        const UniqueFd link(bpf_obj_get(pin.c_str()));
        if (!link) {
            int err = errno;
            throw Error("opening the link of program '" + function + "' pinned at " + pin + ": " + std::strerror(err),
                        err);
        }
        transaction.pin(link.get(), dir + "/" + link_pin_name(function), "the link of program '" + function + "'");
    }
    transaction.commit();
    // The links live on through their pins; this process's fds close here.
}

// Detaches and unpins the links pinned in dir; the programs stay loaded and pinned. A link another added program pins
// too (a shared support program's) stays attached for it.
void detach(std::uint32_t id, const std::string &dir)
{
    const AddedPins pins = added_pins(dir);
    if (pins.links.empty())
        throw Error("program " + id_text(id, dir) + " is not attached (`winbpf set program " + std::to_string(id) +
                        " attached=yes` attaches it)",
                    ENOENT);
    std::map<std::uint32_t, int> elsewhere; // link id -> pins outside dir
    for (const PinnedObject &pin : list_pins("/sys/fs/bpf"))
        if (pin.kind == PinnedObject::Kind::link && !pin.path.starts_with(dir + "/"))
            ++elsewhere[pin.id];
    std::vector<std::string> not_removed;
    for (const PinnedObject &link : pins.links) {
        if (!elsewhere.count(link.id))
            detach_link(link.path, link.id);
        if (::unlink(link.path.c_str()) != 0)
            not_removed.push_back(link.path + " (" + std::strerror(errno) + ")");
    }
    if (!not_removed.empty()) {
        std::string list;
        for (const std::string &pin : not_removed)
            list += (list.empty() ? "" : ", ") + pin;
        throw Error("program " + id_text(id, dir) + ": could not unpin its links " + list, EIO);
    }
}

// Pins the added program's primary program (its directory's ID) also at path, recorded so that `delete program`
// removes it.
void pin_at(const std::string &dir, const std::string &path)
{
    const std::string primary = fs::path(dir).filename().string();
    for (const PinnedObject &pin : added_pins(dir).programs)
        if (std::to_string(pin.id) == primary) {
            const UniqueFd fd(bpf_obj_get(pin.path.c_str()));
            if (!fd) {
                int err = errno;
                throw Error("opening the program pinned at " + pin.path + ": " + std::strerror(err), err);
            }
            PinTransaction transaction;
            transaction.pin(fd.get(), path, "program " + primary);
            transaction.record_extra_pin(dir, path);
            transaction.commit();
            return;
        }
    throw Error("program " + primary + " is not pinned in " + dir + " (was it added by winbpf?)", ENOENT);
}

} // namespace

void set_program(std::uint32_t id, const std::vector<std::string> &parameters)
{
    auto values =
        parse_parameters(parameters, {"attached", "pinpath", "interface", "cgroup", "capture", "compartment_id"});
    if (!values.count("attached") && !values.count("pinpath"))
        throw UsageError("attached or pinpath is required (set program ID attached=yes|no, or pinpath=PATH)");
    std::string attached = values.count("attached") ? values["attached"] : "";
    if (!attached.empty() && attached != "yes" && attached != "no")
        throw UsageError("attached=" + attached + " is invalid (expected yes or no)");
    for (const char *option : {"interface", "cgroup", "capture", "compartment_id"})
        if (values.count(option) && attached != "yes")
            throw UsageError(std::string(option) + "=" + values[option] +
                             " says where to attach: it goes with attached=yes");
    if (values.count("pinpath") && !values["pinpath"].starts_with("/"))
        throw UsageError("pinpath=" + values["pinpath"] + " is not an absolute path (pins live in bpffs, e.g. " +
                         "pinpath=/sys/fs/bpf/NAME)");

    require_privilege(attached == "yes" ? Verb::add_program : Verb::delete_program);
    use_system_bpffs(false);
    require_write_access("set program", pin_root);
    const std::string dir = added_program_dir(id);
    if (values.count("pinpath")) {
        // Checked before anything changes.
        std::error_code ec;
        const std::string &path = values["pinpath"];
        if (fs::exists(fs::symlink_status(path, ec)))
            throw Error("pinpath=" + path + ": it exists already (`winbpf unpin` or choose another path)", EEXIST);
        if (!fs::is_directory(fs::path(path).parent_path(), ec))
            throw Error("pinpath=" + path + ": no such directory '" + fs::path(path).parent_path().string() +
                            "' (create it in a bpf filesystem first, e.g. mkdir -p under /sys/fs/bpf)",
                        ENOENT);
    }
    if (attached == "yes") {
        AttachOptions options;
        options.interface = values["interface"];
        options.cgroup = values["cgroup"];
        if (!values["capture"].empty())
            options.capture = parse_capture_type(values["capture"]);
        options.compartment_id = values["compartment_id"];
        attach(id, dir, options);
        std::cout << "Attached ID " << fs::path(dir).filename().string() << "\n";
    } else if (attached == "no") {
        detach(id, dir);
        std::cout << "Detached ID " << fs::path(dir).filename().string() << "\n";
    }
    if (values.count("pinpath")) {
        pin_at(dir, values["pinpath"]);
        std::cout << "Pinned ID " << fs::path(dir).filename().string() << " at " << values["pinpath"] << "\n";
    }
}

} // namespace winbpf::cli
