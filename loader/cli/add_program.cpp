// SPDX-License-Identifier: MIT
// `winbpf add program FILE`
#include "commands.hpp"
#include "pin_layout.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/object.hpp"
#include "winbpf/system.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>

namespace winbpf::cli
{

namespace
{
bool in_bpffs(const std::string &path)
{
    struct statfs fs {
    };
    return ::statfs(path.c_str(), &fs) == 0 && static_cast<unsigned long>(fs.f_type) == BPF_FS_MAGIC;
}

// netsh's pinned=first|all before anything is loaded: all pins each handler's program as a file named after the
// handler in directory pinpath (default /sys/fs/bpf), which must exist in a bpf filesystem; first pins the first
// handler's program at the file path pinpath (default /sys/fs/bpf/<handler>), whose directory must exist there and
// which must not exist yet. Throws Error saying which and what to do.
void check_pinpath(const std::string &pinned, const std::string &pinpath, const Object &object)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string dir = pinned == "all" ? pinpath : fs::path(pinpath).parent_path().string();
    const std::string role = pinned == "all" ? "pinned=all pins each handler's program as a file named after the "
                                               "handler in the directory pinpath"
                                             : "pinned=first pins the first handler's program at the file path pinpath";
    if (!fs::is_directory(dir, ec))
        throw Error("pinpath=" + pinpath + ": " +
                        (fs::exists(dir, ec) ? "'" + dir + "' is not a directory" : "no such directory '" + dir + "'") +
                        " (" + role + ", in an existing directory of a bpf " +
                        "filesystem such as /sys/fs/bpf; create it first: mkdir -p " + dir + ")",
                    ENOENT);
    if (!in_bpffs(dir))
        throw Error("pinpath=" + pinpath + ": '" + dir + "' is not in a bpf filesystem (" + role +
                        "; pins live in bpffs, e.g. under /sys/fs/bpf)",
                    EINVAL);
    std::vector<std::string> files;
    if (pinned == "all")
        for (const HookProgram &hook : object.hooks())
            files.push_back(pinpath + "/" + hook.handler);
    else
        files.push_back(pinpath);
    for (const std::string &file : files)
        if (fs::exists(fs::symlink_status(file, ec)))
            throw Error("pinpath=" + pinpath + ": '" + file + "' exists already (" + role +
                            "; `winbpf unpin` or choose another path)",
                        EEXIST);
}

// Loads, attaches and pins the object; prints nothing. The ids of its programs and maps go to loaded as soon as they
// exist (so a failure can wait until the kernel has freed them). Returns the handlers' ids.
std::vector<std::uint32_t> load_attach_pin(Object &object, const AttachOptions &options, const std::string &pinned,
                                           const std::string &pinpath, LoadedIds &loaded)
{
    object.load();
    for (const ProgramVerification &program : object.verification())
        loaded.programs.push_back(program.id);
    bpf_map *map = nullptr;
    bpf_object__for_each_map(map, object.raw())
    {
        bpf_map_info info{};
        __u32 length = sizeof(info);
        if (bpf_map__fd(map) >= 0 && bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &length) == 0)
            loaded.maps.push_back(info.id);
    }
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
        // netsh's pinned=first|all: the handler's primary program also at pinpath, recorded in the handler's
        // directory (pin_layout.hpp) so that `delete program` removes it too.
        if (pinned == "all" || (pinned == "first" && ids.empty())) {
            const std::string at = pinned == "all" ? pinpath + "/" + hook.handler : pinpath;
            pins.pin(bpf_program__fd(primary), at, "program '" + std::string(bpf_program__name(primary)) + "'");
            pins.record_extra_pin(dir, at);
        }
        ids.push_back(id);
    }
    pins.commit();
    // The links live on through their pins: closing our fds must not detach them. A disconnected libbpf link keeps
    // its fd open (bpf_link__destroy neither detaches nor closes it), which would hold the program loaded as long as
    // this process runs (an `ebpf>` script deleting it later saw it "still loaded after unpinning"): closed here.
    for (Link &link : attachment.links()) {
        bpf_link__disconnect(link.raw());
        const UniqueFd fd(bpf_link__fd(link.raw()));
    }
    return ids;
}

} // namespace

void add_program(const std::string &file, const std::vector<std::string> &parameters)
{
    auto values = parse_parameters(parameters, {"type", "pinpath", "pinned", "interface", "execution", "compartment",
                                                "cgroup", "capture", "compartment_id"});
    if (values.count("compartment"))
        throw UsageError("compartment=" + values["compartment"] +
                         " is a Windows network compartment: on Linux run winbpf in the network namespace instead "
                         "(nsenter --net=/run/netns/NAME winbpf ...)");
    AttachOptions options;
    options.cgroup = values["cgroup"];
    if (!values["capture"].empty())
        options.capture = parse_capture_type(values["capture"]);
    options.interface = values["interface"];
    options.compartment_id = values["compartment_id"];
    std::string pinned = values.count("pinned") ? values["pinned"] : values.count("pinpath") ? "first" : "none";
    if (pinned != "none" && pinned != "first" && pinned != "all")
        throw UsageError("pinned=" + pinned + " is invalid (expected none, first or all)");
    if (pinned == "none" && values.count("pinpath"))
        throw UsageError("pinpath=" + values["pinpath"] + " is given with pinned=none (expected pinned=first or all)");
    if (values.count("pinpath") && !values["pinpath"].starts_with("/"))
        throw UsageError("pinpath=" + values["pinpath"] + " is not an absolute path (pins live in bpffs, e.g. " +
                         "pinpath=/sys/fs/bpf/NAME)");
    if (values.count("type"))
        check_program_type(values["type"], false);
    if (values.count("execution"))
        check_execution(values["execution"]);
    require_privilege(Verb::add_program);
    use_system_bpffs(true);
    std::error_code ec;
    require_write_access("add program", std::filesystem::exists(pin_root, ec) ? pin_root : "/sys/fs/bpf");
    std::vector<std::uint32_t> ids;
    LoadedIds loaded;
    std::vector<std::string> adaptations;
    try {
        Object object = Object::open_file(file, values.count("type") ? values["type"] : "");
        if (values.count("type"))
            check_object_type(object, values["type"]);
        adaptations = object.adaptations();
        std::string pinpath = values.count("pinpath") ? values["pinpath"] : "/sys/fs/bpf";
        if (pinned == "first" && !values.count("pinpath") && !object.hooks().empty())
            pinpath += "/" + object.hooks().front().handler;
        if (pinned != "none")
            check_pinpath(pinned, pinpath, object);
        ids = load_attach_pin(object, options, pinned, pinpath, loaded);
    } catch (const std::exception &) {
        // Everything is closed and unpinned: leave only after the kernel has freed it, so that no verb shows it.
        wait_until_freed(loaded, std::chrono::seconds(5));
        throw;
    }

    for (std::uint32_t id : ids)
        std::cout << "Loaded with ID " << id << "\n";
    std::cout.flush();
    for (const std::string &adaptation : adaptations)
        std::cerr << "Adapted " << adaptation << "\n";
    // The hooks' notes (the process hook's deny enforcement) are shown by `show programs level=verbose`, where they
    // matter, not on every add.
}

} // namespace winbpf::cli
