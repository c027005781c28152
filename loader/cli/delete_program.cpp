// SPDX-License-Identifier: MIT
// `winbpf delete program ID`
#include "commands.hpp"
#include "pin_layout.hpp"

#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>
#include <vector>

namespace winbpf::cli
{

namespace
{

bool program_exists(std::uint32_t id)
{
    const UniqueFd fd(bpf_prog_get_fd_by_id(id));
    return fd || errno != ENOENT;
}

// The directory of the added program that id names: its own (the primary program's id), or the one program id is
// pinned in (any other of its Linux programs). Throws Error when none or several added programs hold it.
std::string added_program_dir(std::uint32_t id)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(handler_dir(id), ec))
        return handler_dir(id);
    std::set<std::string> dirs;
    if (fs::is_directory(pin_root, ec))
        for (const PinnedObject &pin : list_pins(pin_root))
            if (pin.program_id == id)
                dirs.insert(fs::path(pin.path).parent_path().string());
    if (dirs.empty())
        throw Error("no program with ID " + std::to_string(id) +
                        " was added by winbpf (`winbpf show programs` lists "
                        "the IDs; nothing under " +
                        std::string(pin_root) + " pins it)",
                    ENOENT);
    if (dirs.size() > 1) {
        std::string owners;
        for (const std::string &dir : dirs)
            owners += (owners.empty() ? "" : ", ") + fs::path(dir).filename().string();
        throw Error("program " + std::to_string(id) + " is shared by the added programs " + owners +
                        ": delete one of those IDs",
                    EINVAL);
    }
    return *dirs.begin();
}

} // namespace

void delete_program(std::uint32_t id)
{
    namespace fs = std::filesystem;
    require_bpf_privilege();
    const std::string dir = added_program_dir(id);
    std::error_code ec;

    // What other handlers' directories (or anything else under bpffs) still use stays attached.
    std::vector<PinnedObject> own;
    std::set<std::uint32_t> links_elsewhere, programs_elsewhere;
    for (PinnedObject &pin : list_pins("/sys/fs/bpf")) {
        if (pin.path.starts_with(dir + "/")) {
            own.push_back(std::move(pin));
            continue;
        }
        if (pin.kind == PinnedObject::Kind::link)
            links_elsewhere.insert(pin.id);
        if (pin.program_id != 0)
            programs_elsewhere.insert(pin.program_id);
    }

    std::set<std::uint32_t> released;
    for (const PinnedObject &pin : own) {
        if (pin.program_id != 0 && !programs_elsewhere.count(pin.program_id))
            released.insert(pin.program_id);
        if (pin.kind != PinnedObject::Kind::link || links_elsewhere.count(pin.id))
            continue;
        const UniqueFd fd(bpf_obj_get(pin.path.c_str()));
        if (!fd)
            continue;
        // Not every link type can be detached explicitly (raw tracepoint links cannot); unpinning releases those.
        if (bpf_link_detach(fd.get()) != 0 && errno != EOPNOTSUPP && errno != EINVAL)
            std::cerr << "winbpf: warning: detaching link " << pin.id << " (" << pin.path
                      << "): " << std::strerror(errno) << "\n";
    }

    fs::remove_all(dir, ec);
    if (ec)
        throw Error("removing " + dir + ": " + ec.message(), ec.value());
    ::rmdir(pin_root); // the last program gone: leave no empty winbpf directory in bpffs (fails while not empty)

    // Links and programs are freed asynchronously after their last reference goes.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (std::uint32_t program : released)
        while (program_exists(program) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (std::uint32_t program : released)
        if (program_exists(program))
            std::cerr << "winbpf: warning: program " << program
                      << " is still loaded after unpinning (another process holds it)\n";
    std::cout << "Deleted ID " << fs::path(dir).filename().string() << "\n";
}

} // namespace winbpf::cli
