// SPDX-License-Identifier: MIT
// sockops hook (docs/hooks/sock_ops.md): a Windows-style sockops program (tests/bpf/sock_ops_recorder.c) attached to
// the test's own cgroup sees every TCP and UDP flow of the test process's loopback sockets, outbound and inbound, and
// again when it is deleted, with byte-exact bpf_sock_ops_t contexts, the owner's pid and stable flow ids; a non-zero
// return blocks the flow.
#include "sock_ops_record.h"

#include "loopback_pair.hpp"

#include "support/cgroup.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"
#include "winbpf/abi.h"
#include "winbpf/attachment.hpp"
#include "winbpf/object.hpp"
#include "winbpf/ring_buffer.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace
{

using namespace std::chrono_literals;
using sock_ops_test::loopback;
using sock_ops_test::Mode;
using sock_ops_test::Pair;
using sock_ops_test::sockaddr_length;
using winbpf::UniqueFd;
using winbpf::test::Protocol;

constexpr std::uint32_t kActive = 0, kPassive = 1, kDeleted = 2; // Windows' BPF_SOCK_OPS_*_CB
constexpr std::uint64_t kLoopbackLuid = 24ull << 48;

struct Case {
    Mode mode;
    Protocol protocol;
};

std::string case_name(const testing::TestParamInfo<Case> &info)
{
    const Mode mode = info.param.mode;
    return std::string(mode == Mode::v4   ? "IPv4"
                       : mode == Mode::v6 ? "IPv6"
                                          : "IPv4mapped") +
           winbpf::test::to_string(info.param.protocol);
}

/// The bpf_sock_ops_t a handler should see, as 64 bytes: local and remote endpoints (host port numbers), Windows'
/// family (IPv4-mapped: AF_INET), loopback interface, the initial network namespace.
std::array<std::uint8_t, 64> expected_context(std::uint32_t op, Mode mode, Protocol protocol, std::uint16_t local_port,
                                              std::uint16_t remote_port)
{
    std::array<std::uint8_t, 64> bytes{};
    auto put32 = [&](std::size_t offset, std::uint32_t value) { std::memcpy(&bytes[offset], &value, 4); };
    put32(0, op);
    put32(4, mode == Mode::v6 ? 23 : 2);
    if (mode == Mode::v6) {
        bytes[8 + 15] = 1;  // ::1
        bytes[28 + 15] = 1; // ::1
    } else {
        put32(8, htonl(INADDR_LOOPBACK));
        put32(28, htonl(INADDR_LOOPBACK));
    }
    put32(24, htons(local_port));
    put32(44, htons(remote_port));
    bytes[48] = protocol == Protocol::tcp ? IPPROTO_TCP : IPPROTO_UDP;
    put32(52, 1);
    const std::uint64_t luid = kLoopbackLuid;
    std::memcpy(&bytes[56], &luid, 8);
    return bytes;
}

std::array<std::uint8_t, 64> context_of(const sock_ops_test_event &event)
{
    std::array<std::uint8_t, 64> bytes{};
    std::memcpy(bytes.data(), event.context, 64);
    return bytes;
}

/// A context as hex, 8 bytes per group (what a failure shows).
std::string hex(const std::array<std::uint8_t, 64> &bytes)
{
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        static constexpr char digits[] = "0123456789abcdef";
        if (i > 0 && i % 8 == 0)
            text += ' ';
        text += digits[bytes[i] >> 4];
        text += digits[bytes[i] & 15];
    }
    return text;
}

std::uint32_t op_of(const sock_ops_test_event &event)
{
    std::uint32_t op;
    std::memcpy(&op, event.context, 4);
    return op;
}

std::uint16_t local_port_of(const sock_ops_test_event &event)
{
    std::uint32_t port;
    std::memcpy(&port, event.context + 24, 4);
    return ntohs(static_cast<std::uint16_t>(port));
}

/// tests/bpf/sock_ops_recorder.o loaded and attached to cgroup; its events read from the ring buffer.
class Recorder
{
  public:
    explicit Recorder(const std::string &cgroup)
        : object_(winbpf::Object::open_file(std::string(SOCK_OPS_TEST_BPF_DIR) + "/sock_ops_recorder.o"))
    {
        object_.load();
        attachment_.emplace(object_, winbpf::AttachOptions{.cgroup = cgroup});
        ring_.emplace(object_.map("events"), [this](std::span<const std::byte> data) {
            sock_ops_test_event event{};
            std::memcpy(&event, data.data(), std::min(data.size(), sizeof(event)));
            events_.push_back(event);
            return 0;
        });
    }

    /// Reads events until count arrived or timeout passed; all events so far.
    const std::vector<sock_ops_test_event> &wait_for(std::size_t count, std::chrono::milliseconds timeout = 1000ms)
    {
        winbpf::test::poll_until(
            *ring_, [&] { return events_.size() >= count; }, timeout);
        return events_;
    }

    /// Events so far after reading for timeout more.
    const std::vector<sock_ops_test_event> &settle(std::chrono::milliseconds timeout = 200ms)
    {
        ring_->poll(timeout);
        return events_;
    }

    void clear() { events_.clear(); }

    const winbpf::Object &object() const { return object_; }

    template <typename Key, typename Value> void put(const char *map, const Key &key, const Value &value) const
    {
        if (bpf_map_update_elem(bpf_map__fd(object_.map(map)), &key, &value, BPF_ANY) != 0)
            throw std::system_error(errno, std::generic_category(), std::string("updating ") + map);
    }

    /// The flow id the program keeps for a tuple, or nullopt.
    std::optional<std::uint64_t> flow_id(const sock_ops_test_tuple &tuple) const
    {
        std::uint64_t id = 0;
        if (bpf_map_lookup_elem(bpf_map__fd(object_.map("flow_ids")), &tuple, &id) != 0)
            return std::nullopt;
        return id;
    }

  private:
    winbpf::Object object_;
    std::optional<winbpf::Attachment> attachment_;
    std::optional<winbpf::RingBufferConsumer> ring_;
    std::vector<sock_ops_test_event> events_;
};

/// The tuple key of tests/bpf/sock_ops_recorder.c for an expected context.
sock_ops_test_tuple tuple_of(const std::array<std::uint8_t, 64> &context)
{
    sock_ops_test_tuple tuple{};
    std::memcpy(&tuple.family, &context[4], 4);
    std::memcpy(tuple.local_ip, &context[8], 16);
    std::memcpy(&tuple.local_port, &context[24], 4);
    std::memcpy(tuple.remote_ip, &context[28], 16);
    std::memcpy(&tuple.remote_port, &context[44], 4);
    tuple.protocol = context[48];
    return tuple;
}

/// KernelTest in a fresh child cgroup that the test process entered (programs attach there).
class SockOpsTest : public winbpf::test::CgroupKernelTest
{
  protected:
    void SetUp() override
    {
        CgroupKernelTest::SetUp();
        if (HasFatalFailure())
            return;
        ASSERT_NO_THROW(recorder.emplace(cgroup->path().string()));
    }
    void TearDown() override
    {
        recorder.reset();
        CgroupKernelTest::TearDown();
    }

    std::optional<Recorder> recorder;
};

class SockOpsCase : public SockOpsTest, public testing::WithParamInterface<Case>
{
};

const Case kCases[] = {{Mode::v4, Protocol::tcp}, {Mode::v4, Protocol::udp},     {Mode::v6, Protocol::tcp},
                       {Mode::v6, Protocol::udp}, {Mode::mapped, Protocol::tcp}, {Mode::mapped, Protocol::udp}};

// A flow between two sockets of this process gives, within 1 s, the client's ACTIVE event (local = the client's
// endpoint) and the server's PASSIVE one (the reverse tuple), both with this process's pid; after close() each side
// gives CONNECTION_DELETED with the same context and flow id. Contexts byte-exact; flow ids non-zero, different per
// side, and the ones the program keeps by tuple.
TEST_P(SockOpsCase, EstablishedAndDeletedContexts)
{
    const auto [mode, protocol] = GetParam();
    std::optional<Pair> pair;
    ASSERT_NO_THROW(pair.emplace(mode, protocol));
    ASSERT_EQ(pair->exchange(), 0);

    const auto active = expected_context(kActive, mode, protocol, pair->client_port, pair->server_port);
    const auto passive = expected_context(kPassive, mode, protocol, pair->server_port, pair->client_port);
    const auto &events = recorder->wait_for(2);
    ASSERT_EQ(events.size(), 2u) << "one ESTABLISHED event per side, nothing more";
    const sock_ops_test_event *client = nullptr, *server = nullptr;
    for (const auto &event : events)
        (local_port_of(event) == pair->client_port ? client : server) = &event;
    ASSERT_TRUE(client && server);
    EXPECT_EQ(hex(context_of(*client)), hex(active));
    EXPECT_EQ(hex(context_of(*server)), hex(passive));
    for (const auto *event : {client, server}) {
        EXPECT_EQ(event->pid_tgid >> 32, static_cast<std::uint64_t>(getpid())) << "the socket owner's pid";
        EXPECT_NE(event->flow_id, 0u);
    }
    EXPECT_NE(client->flow_id, server->flow_id);
    EXPECT_EQ(recorder->flow_id(tuple_of(active)), client->flow_id);
    EXPECT_EQ(recorder->flow_id(tuple_of(passive)), server->flow_id);
    const sock_ops_test_event client_established = *client, server_established = *server;

    pair->client.reset();
    pair->accepted.reset();
    pair->server.reset();
    const auto &all = recorder->wait_for(4);
    ASSERT_EQ(recorder->settle().size(), 4u) << "one CONNECTION_DELETED per side, exactly once";
    for (std::size_t i = 2; i < all.size(); ++i) {
        const sock_ops_test_event &event = all[i];
        EXPECT_EQ(op_of(event), kDeleted);
        const bool is_client = local_port_of(event) == pair->client_port;
        auto expected = is_client ? active : passive;
        expected[0] = kDeleted;
        EXPECT_EQ(hex(context_of(event)), hex(expected)) << (is_client ? "client" : "server");
        EXPECT_EQ(event.flow_id, (is_client ? client_established : server_established).flow_id);
        EXPECT_EQ(event.pid_tgid >> 32, static_cast<std::uint64_t>(getpid()));
    }
}

INSTANTIATE_TEST_SUITE_P(Flows, SockOpsCase, testing::ValuesIn(kCases), case_name);

// UDP: one event per flow, not per datagram; a reply from the remote endpoint belongs to the same flow.
TEST_F(SockOpsTest, UdpOneEventPerFlow)
{
    Pair pair(Mode::v4, Protocol::udp);
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(pair.exchange(), 0);
    const sockaddr_storage client = loopback(AF_INET, pair.client_port);
    ASSERT_EQ(
        ::sendto(pair.server.get(), "pong", 4, 0, reinterpret_cast<const sockaddr *>(&client), sockaddr_length(client)),
        4);
    EXPECT_EQ(recorder->wait_for(2).size(), 2u);
    EXPECT_EQ(recorder->settle().size(), 2u) << "later datagrams of a flow give no event";
}

// A program that returns non-zero for flows not on an allowed port blocks exactly those: a blocked UDP datagram's
// sendto() fails with EPERM, a blocked TCP connection never reaches accept() and the client's socket fails with
// ETIMEDOUT; the allowed flows carry data. Blocked flows give no CONNECTION_DELETED.
TEST_F(SockOpsTest, NonZeroReturnBlocksTheFlow)
{
    Pair allowed_tcp(Mode::v4, Protocol::tcp), blocked_tcp(Mode::v4, Protocol::tcp);
    Pair allowed_udp(Mode::v6, Protocol::udp), blocked_udp(Mode::v6, Protocol::udp);
    const std::uint32_t on = 1, zero = 0;
    for (const Pair *pair : {&allowed_tcp, &allowed_udp}) {
        const std::uint32_t port = htons(pair->server_port);
        recorder->put("allowed_ports", port, on);
    }
    recorder->put("block_config", zero, on);

    EXPECT_EQ(allowed_udp.exchange(), 0);
    const sockaddr_storage to = blocked_udp.server_address();
    EXPECT_EQ(
        ::sendto(blocked_udp.client.get(), "ping", 4, 0, reinterpret_cast<const sockaddr *>(&to), sockaddr_length(to)),
        -1);
    EXPECT_EQ(errno, EPERM) << "a blocked UDP flow's datagram";
    EXPECT_EQ(
        ::sendto(blocked_udp.client.get(), "ping", 4, 0, reinterpret_cast<const sockaddr *>(&to), sockaddr_length(to)),
        -1)
        << "the flow stays blocked";

    ASSERT_EQ(allowed_tcp.exchange(), 0);
    ASSERT_EQ(::send(allowed_tcp.client.get(), "data", 4, 0), 4);
    char buffer[8];
    pollfd p{allowed_tcp.accepted.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 1000), 1);
    EXPECT_EQ(::recv(allowed_tcp.accepted.get(), buffer, sizeof(buffer), 0), 4);

    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(blocked_tcp.exchange(), ETIMEDOUT) << "the blocked connection never reaches accept()";
    ::send(blocked_tcp.client.get(), "data", 4, MSG_NOSIGNAL);
    pollfd c{blocked_tcp.client.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&c, 1, 5000), 1) << "the blocked client's socket reports its error";
    int err = 0;
    socklen_t size = sizeof(err);
    ::getsockopt(blocked_tcp.client.get(), SOL_SOCKET, SO_ERROR, &err, &size);
    EXPECT_EQ(err, ETIMEDOUT);
    std::cout
        << "blocked TCP client failed after "
        << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
        << " ms (connect() returned 0)\n";

    // Events: allowed UDP (2), blocked UDP client (1), allowed TCP (2), blocked TCP client (1).
    recorder->wait_for(6);
    recorder->clear();
    for (Pair *pair : {&allowed_tcp, &blocked_tcp, &allowed_udp, &blocked_udp}) {
        pair->client.reset();
        pair->accepted.reset();
        pair->server.reset();
    }
    const auto &deleted = recorder->wait_for(4);
    EXPECT_EQ(recorder->settle(300ms).size(), 4u) << "CONNECTION_DELETED for the 4 allowed sides only";
    for (const auto &event : deleted) {
        EXPECT_EQ(op_of(event), kDeleted);
        const std::uint16_t port = local_port_of(event);
        EXPECT_TRUE(port == allowed_tcp.server_port || port == allowed_tcp.client_port ||
                    port == allowed_udp.server_port || port == allowed_udp.client_port)
            << "port " << port;
    }
}

// Flows established before the attach give no event, also when they end after it.
TEST_F(SockOpsTest, FlowsOlderThanTheAttachGiveNoEvent)
{
    recorder.reset();
    Pair pair(Mode::v4, Protocol::tcp);
    ASSERT_EQ(pair.exchange(), 0);
    ASSERT_NO_THROW(recorder.emplace(cgroup->path().string()));
    pair.client.reset();
    pair.accepted.reset();
    EXPECT_TRUE(recorder->settle(300ms).empty());
    Pair fresh(Mode::v4, Protocol::tcp);
    ASSERT_EQ(fresh.exchange(), 0);
    EXPECT_EQ(recorder->wait_for(2).size(), 2u) << "a flow after the attach does";
}

/// The socket owner's record of socket (winbpf/abi.h: WINBPF_MAP_SOCKET_OWNERS) in object.
winbpf_sock_addr_socket owner_record(const winbpf::Object &object, int socket)
{
    winbpf_sock_addr_socket value{};
    EXPECT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map(WINBPF_MAP_SOCKET_OWNERS)), &socket, &value), 0)
        << "no owner record of the socket: " << std::strerror(errno);
    return value;
}

// The socket owner's record (written at cgroup/sock_create) holds only the fields the object's handlers can ask for:
// each owner-reporting helper leaves a WINBPF_USES mark for winbpf-glue, the other fields stay 0 (not read from the
// task). sock_ops_recorder (Makefile.bpf) calls bpf_get_current_pid_tgid alone: the record has this thread and nothing
// else. A plain clang object (one pass) whose handler calls bpf_get_current_process_start_key and
// bpf_is_current_admin alone gets those two, and its handler sees this process's values at PASSIVE_ESTABLISHED.
TEST_F(SockOpsTest, SocketOwnerRecordsOnlyWhatTheHandlersAsk)
{
    Pair pair(Mode::v4, Protocol::tcp);
    ASSERT_EQ(pair.exchange(), 0);
    EXPECT_EQ(recorder->wait_for(2).size(), 2u);
    for (int fd : {pair.client.get(), pair.server.get(), pair.accepted.get()}) {
        const winbpf_sock_addr_socket record = owner_record(recorder->object(), fd);
        EXPECT_EQ(record.owner.valid, 1u);
        EXPECT_EQ(record.owner.pid_tgid,
                  (static_cast<std::uint64_t>(getpid()) << 32) | static_cast<std::uint32_t>(gettid()));
        EXPECT_EQ(record.owner.logon_id, 0u) << "recorded without a handler that asks";
        EXPECT_EQ(record.owner.process_start_key, 0u) << "recorded without a handler that asks";
        EXPECT_EQ(record.owner.thread_create_time, 0u) << "recorded without a handler that asks";
        EXPECT_EQ(record.owner.is_admin, 0) << "recorded without a handler that asks";
        EXPECT_EQ(record.compartment_id, 1u) << "the initial network namespace";
    }
    recorder.reset();

    winbpf::test::TempDir dir;
    const std::string source = (dir.path() / "key_and_admin.c").string(),
                      object_path = (dir.path() / "key_and_admin.o").string();
    std::ofstream(source) << "#include \"bpf_helpers.h\"\n#include \"ebpf_nethooks.h\"\n"
                             "struct {\n    __uint(type, BPF_MAP_TYPE_ARRAY);\n    __type(key, uint32_t);\n"
                             "    __type(value, uint64_t);\n    __uint(max_entries, 2);\n} seen SEC(\".maps\");\n"
                             "SEC(\"sockops\")\nint Flows(bpf_sock_ops_t *ctx)\n{\n"
                             "    if (ctx->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)\n        return 0;\n"
                             "    uint32_t index = 0;\n    uint64_t value = bpf_get_current_process_start_key();\n"
                             "    bpf_map_update_elem(&seen, &index, &value, 0);\n"
                             "    index = 1;\n    value = bpf_is_current_admin(ctx);\n"
                             "    bpf_map_update_elem(&seen, &index, &value, 0);\n    return 0;\n}\n";
    const winbpf::test::CommandResult built =
        winbpf::test::run({CLANG_BPF, "-target", "bpf", "-O2", "-g", "-Werror", "-I", WINBPF_INCLUDE_DIR, "-c", source,
                           "-o", object_path});
    ASSERT_TRUE(built.status && WIFEXITED(*built.status) && WEXITSTATUS(*built.status) == 0) << built.err;
    winbpf::Object object = winbpf::Object::open_file(object_path);
    object.load();
    winbpf::Attachment attachment(object, winbpf::AttachOptions{.cgroup = cgroup->path().string()});
    Pair plain(Mode::v4, Protocol::tcp);
    ASSERT_EQ(plain.exchange(), 0);
    std::uint64_t key = 0, admin = 0;
    const std::uint32_t first = 0, second = 1;
    ASSERT_TRUE(winbpf::test::wait_until(
        [&] { return bpf_map_lookup_elem(bpf_map__fd(object.map("seen")), &second, &admin) == 0 && admin != 0; },
        1000ms))
        << "no PASSIVE_ESTABLISHED with bpf_is_current_admin() = 1 (the test runs as root)";
    ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map("seen")), &first, &key), 0);
    EXPECT_EQ(key & ((1u << 22) - 1), static_cast<std::uint64_t>(getpid())) << "the start key's tgid part";
    EXPECT_NE(key >> 22, 0u) << "the start key's time part";
    for (int fd : {plain.server.get(), plain.accepted.get()}) {
        const winbpf_sock_addr_socket record = owner_record(object, fd);
        EXPECT_EQ(record.owner.valid, 1u);
        EXPECT_EQ(record.owner.process_start_key, key) << "what the handler saw";
        EXPECT_EQ(record.owner.is_admin, 1);
        EXPECT_EQ(record.owner.pid_tgid, 0u) << "recorded without a handler that asks";
        EXPECT_EQ(record.owner.logon_id, 0u) << "recorded without a handler that asks";
        EXPECT_EQ(record.owner.thread_create_time, 0u) << "recorded without a handler that asks";
    }
}

} // namespace
