// SPDX-License-Identifier: MIT
#include "pin_layout.hpp"

#include "winbpf/error.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
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
