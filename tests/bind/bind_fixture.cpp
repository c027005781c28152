// SPDX-License-Identifier: MIT
#include "bind_fixture.hpp"

#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace bind_test
{

std::string bpf_object_path(const std::string &name)
{
    return std::string(BIND_TEST_BPF_DIR) + "/" + name + ".o";
}

std::string to_string(Family family)
{
    return family == Family::v4 ? "IPv4" : "IPv6";
}

std::string to_string(Protocol protocol)
{
    return protocol == Protocol::tcp ? "TCP" : "UDP";
}

Socket::Socket(Family family, Protocol protocol)
    : family_(family), fd_(::socket(family == Family::v4 ? AF_INET : AF_INET6,
                                    (protocol == Protocol::tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0))
{
    if (!fd_)
        throw std::system_error(errno, std::generic_category(), "socket");
}

int Socket::bind(std::uint16_t port)
{
    int result;
    if (family_ == Family::v4) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        result = ::bind(fd_.get(), reinterpret_cast<sockaddr *>(&address), sizeof(address));
    } else {
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_port = htons(port);
        address.sin6_addr = in6addr_loopback;
        result = ::bind(fd_.get(), reinterpret_cast<sockaddr *>(&address), sizeof(address));
    }
    return result == 0 ? 0 : errno;
}

std::uint16_t Socket::local_port() const
{
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getsockname(fd_.get(), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        throw std::system_error(errno, std::generic_category(), "getsockname");
    return ntohs(address.ss_family == AF_INET ? reinterpret_cast<sockaddr_in *>(&address)->sin_port
                                              : reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port);
}

std::uint16_t free_port(Family family, Protocol protocol)
{
    Socket socket(family, protocol);
    if (int err = socket.bind(0); err != 0)
        throw std::system_error(err, std::generic_category(), "bind to port 0");
    return socket.local_port();
}

std::uint16_t Record::family() const
{
    std::uint16_t value;
    std::memcpy(&value, raw.socket_address, 2);
    return value;
}

std::uint16_t Record::port() const
{
    std::uint16_t value;
    std::memcpy(&value, raw.socket_address + 2, 2);
    return ntohs(value);
}

std::vector<std::uint8_t> Record::address() const
{
    if (raw.socket_address_length == 28)
        return {raw.sockaddr_in6 + 8, raw.sockaddr_in6 + 24};
    return {raw.socket_address + 4, raw.socket_address + 8};
}

std::u16string Record::app_id() const
{
    std::u16string units;
    for (std::size_t i = 0; i + 1 < raw.app_id_size; i += 2)
        units.push_back(static_cast<char16_t>(raw.app_id[i] | (raw.app_id[i + 1] << 8)));
    return units;
}

Recorder::Recorder(const std::filesystem::path &cgroup, bind_policy policy)
    : object_(winbpf::Object::open_file(bpf_object_path("bind_recorder")))
{
    object_.load();
    if (policy.watch_pid == 0)
        policy.watch_pid = static_cast<std::uint32_t>(getpid());
    __u32 zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(object_.map("bind_policy")), &zero, &policy, BPF_ANY) != 0)
        throw std::system_error(errno, std::generic_category(), "writing bind_policy");
    attachment_.emplace(object_, winbpf::AttachOptions{.cgroup = cgroup.string()});
    ring_.emplace(object_.map("bind_records"), [this](std::span<const std::byte> bytes) {
        Record record;
        if (bytes.size() >= sizeof(record.raw))
            std::memcpy(&record.raw, bytes.data(), sizeof(record.raw));
        else
            ADD_FAILURE() << "short bind_record: " << bytes.size() << " bytes";
        records_.push_back(record);
        return 0;
    });
}

Recorder::~Recorder()
{
    attachment_.reset();
    EXPECT_EQ(object_.lost_events(), 0u) << "bind records lost";
}

const std::vector<Record> &Recorder::wait_for(std::size_t count, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (records_.size() < count && std::chrono::steady_clock::now() < deadline)
        ring_->poll(std::chrono::milliseconds(50));
    ring_->poll(std::chrono::milliseconds(50));
    return records_;
}

const std::vector<Record> &Recorder::drain(std::chrono::milliseconds timeout)
{
    ring_->poll(timeout);
    return records_;
}

void BindTest::SetUp()
{
    KernelTest::SetUp();
    if (HasFatalFailure())
        return;
    ASSERT_NO_THROW(cgroup.emplace());
    ASSERT_NO_THROW(cgroup->enter());
}

void BindTest::TearDown()
{
    cgroup.reset();
    KernelTest::TearDown();
}

std::u16string expected_app_id()
{
    std::string name = std::filesystem::read_symlink("/proc/self/exe").filename().string();
    std::u16string units(name.begin(), name.end()); // the test binary's name is ASCII
    units.push_back(u'\0');
    return units;
}

} // namespace bind_test
