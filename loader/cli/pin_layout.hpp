// SPDX-License-Identifier: MIT
// Where `winbpf add program` pins things: /sys/fs/bpf/winbpf/<ID>/ per handler, ID = kernel id of its primary
// (exec) program. Programs are pinned as <function>, their links as link-<function>; the object's support
// programs (and their links) are pinned into every handler's directory. A pin of pinned=first|all outside it is
// recorded there as a symlink pinpath-<n> -> that path, so `delete program` removes it too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace winbpf::cli
{

inline constexpr const char *pin_root = "/sys/fs/bpf/winbpf";

/// Directory of the handler whose primary program has kernel id id.
std::string handler_dir(std::uint32_t id);
/// Pin name of a program's link.
std::string link_pin_name(const std::string &function);
/// True for the name of a symlink that records a pinpath= pin.
bool is_extra_pin_record(const std::string &name);

/// The handler directory of the added program that id names: its own (id is its primary program's), or the one
/// program id is pinned in (any other of its Linux programs). Throws Error (ENOENT) when no added program holds it,
/// (EINVAL) when several do.
std::string added_program_dir(std::uint32_t id);

/// Detaches the link pinned at pin (its pin stays): bpf_link_detach, which link types that cannot be detached
/// explicitly (raw tracepoints) refuse: unpinning releases those. Other failures are a warning on stderr.
void detach_link(const std::string &pin, std::uint32_t link_id);

/// Pins created by one command; removed again (with the directories it made) unless commit() is called.
class PinTransaction
{
  public:
    PinTransaction() = default;
    PinTransaction(const PinTransaction &) = delete;
    PinTransaction &operator=(const PinTransaction &) = delete;
    ~PinTransaction();
    /// Creates directory path (mode 0700); throws Error when it exists or cannot be made.
    void make_dir(const std::string &path);
    /// Pins fd (program or link) at path; throws Error naming what.
    void pin(int fd, const std::string &path, const std::string &what);
    /// Records pin (a path outside dir) in handler directory dir as the symlink pinpath-<n>; throws Error.
    void record_extra_pin(const std::string &dir, const std::string &pin);
    void commit() noexcept { committed_ = true; }

  private:
    std::vector<std::string> pins_;
    std::vector<std::string> dirs_;
    int records_ = 0;
    bool committed_ = false;
};

} // namespace winbpf::cli
