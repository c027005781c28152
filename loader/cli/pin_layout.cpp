// SPDX-License-Identifier: MIT
#include "pin_layout.hpp"

#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace winbpf::cli
{

std::string handler_dir(std::uint32_t id)
{
    return std::string(pin_root) + "/" + std::to_string(id);
}

// "-" cannot occur in a C function name, so this never collides with a program's pin; bpffs forbids ".".
std::string link_pin_name(const std::string &function)
{
    return "link-" + function;
}

bool is_extra_pin_record(const std::string &name)
{
    return name.starts_with("pinpath-");
}

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

void detach_link(const std::string &pin, std::uint32_t link_id)
{
    const UniqueFd fd(bpf_obj_get(pin.c_str()));
    if (!fd)
        return;
    // Not every link type can be detached explicitly (raw tracepoint links cannot); unpinning releases those.
    if (bpf_link_detach(fd.get()) != 0 && errno != EOPNOTSUPP && errno != EINVAL)
        std::cerr << "winbpf: warning: detaching link " << link_id << " (" << pin << "): " << std::strerror(errno)
                  << "\n";
}

PinTransaction::~PinTransaction()
{
    if (committed_)
        return;
    for (auto it = pins_.rbegin(); it != pins_.rend(); ++it)
        ::unlink(it->c_str());
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it)
        ::rmdir(it->c_str());
}

void PinTransaction::make_dir(const std::string &path)
{
    if (::mkdir(path.c_str(), 0700) != 0) {
        int err = errno;
        throw Error("creating " + path + ": " + std::strerror(err), err);
    }
    dirs_.push_back(path);
}

void PinTransaction::pin(int fd, const std::string &path, const std::string &what)
{
    if (bpf_obj_pin(fd, path.c_str()) != 0) {
        int err = errno;
        throw Error("pinning " + what + " at " + path + ": " + std::strerror(err), err);
    }
    pins_.push_back(path);
}

void PinTransaction::record_extra_pin(const std::string &dir, const std::string &pin)
{
    const std::string record = dir + "/pinpath-" + std::to_string(records_++);
    if (::symlink(pin.c_str(), record.c_str()) != 0) {
        int err = errno;
        throw Error("recording the pin " + pin + " at " + record + ": " + std::strerror(err), err);
    }
    pins_.push_back(record);
}

} // namespace winbpf::cli
