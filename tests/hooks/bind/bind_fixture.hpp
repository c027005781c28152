// SPDX-License-Identifier: MIT
// What the bind-hook tests share: real sockets on loopback, tests/bpf/bind_recorder.o attached to the test's own
// child cgroup with its records decoded, and the KernelTest fixture with that cgroup entered.
#pragma once

#include <cstdint>

#include "bind_record.h"

#include "support/cgroup.hpp"
#include "support/kernel_test.hpp"
#include "support/socket.hpp"
#include "winbpf/attachment.hpp"
#include "winbpf/object.hpp"
#include "winbpf/ring_buffer.hpp"
#include "winbpf/unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bind_test
{

/// Path of a test object built from tests/bpf/<name>.c.
std::string bpf_object_path(const std::string &name);

using winbpf::test::Family;
using winbpf::test::free_port;
using winbpf::test::Protocol;
using winbpf::test::Socket;
using winbpf::test::to_string;

/// One bind_record, decoded.
struct Record {
    bind_record raw{};
    std::uint16_t family() const;              ///< socket_address[0..2): 2 or 23 (Windows numbering)
    std::uint16_t port() const;                ///< socket_address[2..4), host number
    std::vector<std::uint8_t> address() const; ///< 4 bytes (IPv4, socket_address[4..8)) or 16 (IPv6, SOCKADDR_IN6 + 8)
    std::u16string app_id() const;             ///< app id as UTF-16 units, with its NUL
};

/// tests/bpf/bind_recorder.o loaded with policy (watch_pid set to this process when 0), attached to cgroup.
/// Detached and unloaded on destruction; fails the test when records were lost.
class Recorder
{
  public:
    Recorder(const std::filesystem::path &cgroup, bind_policy policy = {});
    ~Recorder();
    Recorder(const Recorder &) = delete;
    Recorder &operator=(const Recorder &) = delete;

    /// Drains until at least count records arrived or timeout; then drains once more. All records so far.
    const std::vector<Record> &wait_for(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// Drains what is there now (waiting up to timeout for a wake-up).
    const std::vector<Record> &drain(std::chrono::milliseconds timeout = std::chrono::milliseconds(300));
    const winbpf::Object &object() const { return object_; }

  private:
    winbpf::Object object_;
    std::optional<winbpf::Attachment> attachment_;
    std::optional<winbpf::RingBufferConsumer> ring_;
    std::vector<Record> records_;
};

/// KernelTest with a fresh child cgroup that the test process has entered (left and removed in TearDown, before
/// the check that every program is freed).
class BindTest : public winbpf::test::CgroupKernelTest
{
};

/// UTF-16 units of this test binary's executable file name plus a NUL, as the hook's app_id carries it.
std::u16string expected_app_id();

} // namespace bind_test
