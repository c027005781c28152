// SPDX-License-Identifier: MIT
// `winbpf show maps|links|pins|processes` and `winbpf pin|unpin program|map ID PATH`: the system's BPF objects.
#include "commands.hpp"
#include "table.hpp"

#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/system.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>

namespace winbpf::cli
{

void show_maps(bool json)
{
    require_privilege(Verb::list_by_id);
    use_system_bpffs(false);
    const std::vector<MapInfo> maps = list_maps();
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const MapInfo &m : maps)
            out.push_back({{"id", m.id},
                           {"map_type", m.type},
                           {"key_size", m.key_size},
                           {"value_size", m.value_size},
                           {"max_entries", m.max_entries},
                           {"inner_id", 0},
                           {"pins", m.pins},
                           {"name", m.name},
                           {"flags", m.map_flags},
                           {"btf_id", m.btf_id}});
        std::cout << out.dump(2) << "\n";
        return;
    }
    // Inner ID: the kernel does not report the inner map of a map-in-map (netsh prints 0 when there is none).
    Table table({{"ID", true},
                 {"Map Type"},
                 {"Key Size", true},
                 {"Value Size", true},
                 {"Max Entries", true},
                 {"Inner ID", true},
                 {"Pins", true},
                 {"Name"}});
    for (const MapInfo &m : maps)
        table.add({std::to_string(m.id), m.type, std::to_string(m.key_size), std::to_string(m.value_size),
                   std::to_string(m.max_entries), "0", std::to_string(m.pins), m.name});
    table.print(std::cout);
}

void show_links(bool json)
{
    require_privilege(Verb::list_by_id);
    const std::vector<LinkInfo> links = list_links();
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const LinkInfo &l : links)
            out.push_back({{"id", l.id}, {"link_type", l.type}, {"program_id", l.program_id}, {"target", l.target}});
        std::cout << out.dump(2) << "\n";
        return;
    }
    Table table({{"ID", true}, {"Link Type"}, {"Program ID", true}, {"Attached To"}});
    for (const LinkInfo &l : links)
        table.add({std::to_string(l.id), l.type, std::to_string(l.program_id), l.target});
    table.print(std::cout);
}

namespace
{
const char *kind_name(PinnedObject::Kind kind)
{
    switch (kind) {
    case PinnedObject::Kind::program:
        return "program";
    case PinnedObject::Kind::link:
        return "link";
    case PinnedObject::Kind::map:
        return "map";
    default:
        return "other";
    }
}
} // namespace

void show_pins(bool json)
{
    use_system_bpffs(false);
    const std::vector<PinnedObject> pins = bpffs_mounted() ? list_pins("/sys/fs/bpf") : std::vector<PinnedObject>{};
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const PinnedObject &p : pins)
            out.push_back({{"path", p.path}, {"kind", kind_name(p.kind)}, {"id", p.id}, {"program_id", p.program_id}});
        std::cout << out.dump(2) << "\n";
        return;
    }
    Table table({{"Kind"}, {"ID", true}, {"Program ID", true}, {"Path"}});
    for (const PinnedObject &p : pins)
        table.add({kind_name(p.kind), std::to_string(p.id), p.program_id ? std::to_string(p.program_id) : "", p.path});
    table.print(std::cout);
}

namespace
{
// An fd of the program or map with kernel id id.
UniqueFd open_by_id(const std::string &kind, std::uint32_t id)
{
    UniqueFd fd(kind == "program" ? bpf_prog_get_fd_by_id(id) : bpf_map_get_fd_by_id(id));
    if (!fd) {
        int err = errno;
        throw Error("no " + kind + " with ID " + std::to_string(id) +
                        (err == ENOENT ? std::string() : std::string(": ") + std::strerror(err)),
                    err);
    }
    return fd;
}
} // namespace

void pin_object(const std::string &kind, std::uint32_t id, const std::string &path)
{
    require_privilege(Verb::list_by_id);
    use_system_bpffs(true);
    UniqueFd fd = open_by_id(kind, id);
    if (bpf_obj_pin(fd.get(), path.c_str()) != 0) {
        int err = errno;
        throw Error(
            "pinning " + kind + " " + std::to_string(id) + " at " + path + ": " + std::strerror(err) +
                (err == EPERM || err == EINVAL ? " (the path must be in a bpf filesystem, e.g. /sys/fs/bpf)" : ""),
            err);
    }
    std::cout << "Pinned " << kind << " " << id << " at " << path << "\n";
}

void unpin_object(const std::string &kind, std::uint32_t id, const std::string &path)
{
    use_system_bpffs(false);
    UniqueFd pinned(bpf_obj_get(path.c_str()));
    if (!pinned) {
        int err = errno;
        throw Error("no pin at " + path + ": " + std::strerror(err), err);
    }
    std::uint32_t found = 0;
    if (kind == "program") {
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(pinned.get(), &info, &length) == 0)
            found = info.id;
    } else {
        bpf_map_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(pinned.get(), &info, &length) == 0)
            found = info.id;
    }
    if (found != id)
        throw Error(path + " does not pin " + kind + " " + std::to_string(id), EINVAL);
    if (::unlink(path.c_str()) != 0) {
        int err = errno;
        throw Error("removing " + path + ": " + std::strerror(err), err);
    }
    std::cout << "Unpinned " << kind << " " << id << " from " << path << "\n";
}

namespace
{

// A process holding BPF objects: the ids of the programs, maps and links its descriptors refer to.
struct BpfHolder {
    int pid = 0;
    std::string name;
    std::set<std::uint32_t> programs, maps, links;
};

// The "KEY:\tVALUE" number of an fdinfo line, or nothing.
std::optional<std::uint32_t> fdinfo_number(const std::string &line, std::string_view key)
{
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':')
        return std::nullopt;
    try {
        return static_cast<std::uint32_t>(std::stoul(line.substr(key.size() + 1)));
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

// Every process of /proc with a BPF program, map or link descriptor (a link's fdinfo names its program too: only
// its link_id counts). Processes that end or that this process may not read are left out.
std::vector<BpfHolder> bpf_holders()
{
    namespace fs = std::filesystem;
    std::vector<BpfHolder> holders;
    std::error_code ec;
    for (const fs::directory_entry &process : fs::directory_iterator("/proc", ec)) {
        const std::string pid = process.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos)
            continue;
        BpfHolder holder;
        holder.pid = std::stoi(pid);
        std::error_code fd_ec;
        for (const fs::directory_entry &fd : fs::directory_iterator(process.path() / "fdinfo", fd_ec)) {
            std::ifstream info(fd.path());
            std::string line;
            std::optional<std::uint32_t> prog, map, link;
            while (std::getline(info, line)) {
                if (auto id = fdinfo_number(line, "prog_id"))
                    prog = id;
                if (auto id = fdinfo_number(line, "map_id"))
                    map = id;
                if (auto id = fdinfo_number(line, "link_id"))
                    link = id;
            }
            if (link)
                holder.links.insert(*link);
            else if (prog)
                holder.programs.insert(*prog);
            else if (map)
                holder.maps.insert(*map);
        }
        if (holder.programs.empty() && holder.maps.empty() && holder.links.empty())
            continue;
        std::ifstream comm(process.path() / "comm");
        std::getline(comm, holder.name);
        holders.push_back(std::move(holder));
    }
    std::sort(holders.begin(), holders.end(), [](auto &a, auto &b) { return a.pid < b.pid; });
    return holders;
}

std::string id_list(const std::set<std::uint32_t> &ids)
{
    std::string list;
    for (std::uint32_t id : ids)
        list += (list.empty() ? "" : ",") + std::to_string(id);
    return list.empty() ? "-" : list;
}

} // namespace

void show_processes(bool json)
{
    const std::vector<BpfHolder> holders = bpf_holders();
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const BpfHolder &h : holders)
            out.push_back(
                {{"pid", h.pid}, {"name", h.name}, {"programs", h.programs}, {"maps", h.maps}, {"links", h.links}});
        std::cout << out.dump(2) << "\n";
        return;
    }
    Table table({{"PID", true}, {"Name"}, {"Program IDs"}, {"Map IDs"}, {"Link IDs"}});
    for (const BpfHolder &h : holders)
        table.add({std::to_string(h.pid), h.name, id_list(h.programs), id_list(h.maps), id_list(h.links)});
    table.print(std::cout);
}

} // namespace winbpf::cli
