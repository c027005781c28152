// SPDX-License-Identifier: MIT
#include "bind_fixture.hpp"
#include "support/wait.hpp"

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
    winbpf::test::poll_until(
        *ring_, [&] { return records_.size() >= count; }, timeout);
    ring_->poll(std::chrono::milliseconds(50)); // and any record past count, which the test may want to see
    return records_;
}

const std::vector<Record> &Recorder::drain(std::chrono::milliseconds timeout)
{
    ring_->poll(timeout);
    return records_;
}

std::u16string expected_app_id()
{
    std::string name = std::filesystem::read_symlink("/proc/self/exe").filename().string();
    std::u16string units(name.begin(), name.end()); // the test binary's name is ASCII
    units.push_back(u'\0');
    return units;
}

} // namespace bind_test
