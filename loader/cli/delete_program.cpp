// SPDX-License-Identifier: MIT
// `winbpf delete program ID` and `winbpf delete program FILE SECTION`
#include "commands.hpp"
#include "pin_layout.hpp"

#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/system.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>
#include <vector>

namespace winbpf::cli
{

void delete_program(std::uint32_t id)
{
    namespace fs = std::filesystem;
    require_privilege(Verb::delete_program);
    use_system_bpffs(false);
    require_write_access("delete program", pin_root);
    const std::string dir = added_program_dir(id);
    std::error_code ec;
    std::vector<std::string> not_removed; // pins it made and could not remove, with the reason

    // The pinpath= pins recorded in dir (pin_layout.hpp) that still pin one of its programs are its own too.
    std::set<std::uint32_t> dir_programs;
    for (const PinnedObject &pin : list_pins(dir))
        if (pin.program_id != 0)
            dir_programs.insert(pin.program_id);
    std::set<std::string> extra_pins;
    for (const fs::directory_entry &entry : fs::directory_iterator(dir, ec)) {
        if (!entry.is_symlink(ec) || !is_extra_pin_record(entry.path().filename().string()))
            continue;
        const std::string target = fs::read_symlink(entry.path(), ec).string();
        const UniqueFd fd(bpf_obj_get(target.c_str()));
        if (!fd) {
            if (errno != ENOENT) // ENOENT: unpinned since
                not_removed.push_back(target + " (" + std::strerror(errno) + ")");
            continue;
        }
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0 && dir_programs.count(info.id))
            extra_pins.insert(target);
        else
            std::cerr << "winbpf: " << target << " no longer pins a program of ID " << id << ": left alone\n";
    }

    // What other handlers' directories (or anything else under bpffs) still use stays attached.
    std::vector<PinnedObject> own;
    std::set<std::uint32_t> links_elsewhere, programs_elsewhere;
    for (PinnedObject &pin : list_pins("/sys/fs/bpf")) {
        if (pin.path.starts_with(dir + "/") || extra_pins.count(pin.path)) {
            own.push_back(std::move(pin));
            continue;
        }
        if (pin.kind == PinnedObject::Kind::link)
            links_elsewhere.insert(pin.id);
        if (pin.program_id != 0)
            programs_elsewhere.insert(pin.program_id);
    }

    LoadedIds released;
    for (const PinnedObject &pin : own) {
        if (pin.program_id != 0 && !programs_elsewhere.count(pin.program_id) &&
            std::find(released.programs.begin(), released.programs.end(), pin.program_id) == released.programs.end())
            released.programs.push_back(pin.program_id);
        if (pin.kind != PinnedObject::Kind::link || links_elsewhere.count(pin.id))
            continue;
        detach_link(pin.path, pin.id);
    }

    for (const std::string &pin : extra_pins)
        if (::unlink(pin.c_str()) != 0)
            not_removed.push_back(pin + " (" + std::strerror(errno) + ")");
    fs::remove_all(dir, ec);
    if (ec)
        not_removed.push_back(dir + " (" + ec.message() + ")");
    ::rmdir(pin_root); // the last program gone: leave no empty winbpf directory in bpffs (fails while not empty)
    if (!not_removed.empty()) {
        std::string list;
        for (const std::string &pin : not_removed)
            list += (list.empty() ? "" : ", ") + pin;
        throw Error("ID " + std::to_string(id) + ": could not remove every pin it made: " + list, EIO);
    }

    // Programs are freed asynchronously after their last reference goes (checked only where the process may walk
    // BPF ids: CAP_SYS_ADMIN).
    for (std::uint32_t program : wait_until_freed(released, std::chrono::seconds(5)).programs)
        std::cerr << "winbpf: warning: program " << program
                  << " is still loaded after unpinning (another process holds it)\n";
    std::cout << "Deleted ID " << fs::path(dir).filename().string() << "\n";
}

void delete_programs_of_file(const std::string &file, const std::string &section)
{
    require_privilege(Verb::delete_program);
    use_system_bpffs(false);
    const std::vector<std::uint32_t> ids = added_from_file(file, section);
    if (ids.empty())
        throw Error("no program of " + file + (section.empty() ? "" : " in section " + section) +
                        " is added (`winbpf show programs` lists the added programs)",
                    ENOENT);
    for (std::uint32_t id : ids)
        delete_program(id);
}

} // namespace winbpf::cli
