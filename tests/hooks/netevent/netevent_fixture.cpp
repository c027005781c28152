// SPDX-License-Identifier: MIT
#include "netevent_fixture.hpp"

#include "support/socket.hpp"
#include "support/wait.hpp"
#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

namespace netevent_test
{

namespace
{

[[noreturn]] void fail(const std::string &what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

using winbpf::test::Family;
using winbpf::test::Protocol;
using winbpf::test::Socket;

void write_all(int fd, const std::string &text)
{
    if (::send(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
        fail("send");
}

std::string read_some(int fd, std::size_t size)
{
    std::string text(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        ssize_t n = ::recv(fd, text.data() + got, size - got, 0);
        if (n <= 0)
            fail("recv");
        got += static_cast<std::size_t>(n);
    }
    return text;
}

Event decode(std::span<const std::byte> bytes)
{
    Event event;
    const auto *data = reinterpret_cast<const std::uint8_t *>(bytes.data());
    event.bytes.assign(data, data + bytes.size());
    return event;
}

} // namespace

std::uint16_t Event::version() const
{
    if (bytes.size() < data_header_size)
        return 0;
    std::uint16_t value;
    std::memcpy(&value, bytes.data() + 2, 2);
    return value;
}

PktmonHeader Event::pktmon() const
{
    PktmonHeader header{};
    if (bytes.size() >= headers_size)
        std::memcpy(&header, bytes.data() + data_header_size, sizeof(header));
    return header;
}

std::vector<std::uint8_t> Event::payload() const
{
    if (bytes.size() <= headers_size)
        return {};
    return {bytes.begin() + headers_size, bytes.end()};
}

std::optional<Flow> Event::flow() const
{
    if (type() != event_flow || bytes.size() != headers_size + sizeof(Flow))
        return std::nullopt;
    Flow flow;
    std::memcpy(&flow, bytes.data() + headers_size, sizeof(flow));
    return flow;
}

Event decode_record(std::span<const std::byte> bytes)
{
    netevent_record record{};
    if (bytes.size() < sizeof(record)) {
        ADD_FAILURE() << "short netevent_record: " << bytes.size() << " bytes";
        return {};
    }
    std::memcpy(&record, bytes.data(), sizeof(record));
    if (record.size > sizeof(record.bytes)) {
        ADD_FAILURE() << "netevent_record size " << record.size << " exceeds " << sizeof(record.bytes);
        return {};
    }
    Event event = decode(std::as_bytes(std::span(record.bytes, record.size)));
    event.header_size = record.header_size;
    event.payload_size = record.payload_size;
    return event;
}

Event decode_buffer(std::span<const std::byte> bytes)
{
    Event event = decode(bytes);
    // A perf sample is padded to 8 bytes: keep the headers and the PacketLoggedLength bytes of payload.
    const std::size_t length = headers_size + event.pktmon().PacketLoggedLength;
    if (event.bytes.size() >= headers_size && length <= event.bytes.size())
        event.bytes.resize(length);
    return event;
}

std::string bpf_object_path(const std::string &name)
{
    return std::string(NETEVENT_TEST_BPF_DIR) + "/" + name + ".o";
}

Recorder::Recorder(const std::string &capture, const std::string &object)
    : object_(winbpf::Object::open_file(bpf_object_path(object)))
{
    object_.load();
    std::optional<winbpf::CaptureType> type; // "": the default
    if (!capture.empty())
        type = winbpf::parse_capture_type(capture);
    attachment_.emplace(object_, winbpf::AttachOptions{.capture = type});
    ring_.emplace(object_.map("netevent_records"), [this](std::span<const std::byte> bytes) {
        events_.push_back(decode_record(bytes));
        return 0;
    });
}

Recorder::~Recorder()
{
    attachment_.reset();
    EXPECT_EQ(object_.lost_events(), 0u) << "netevent records lost";
}

bool Recorder::wait_for(const std::function<bool(const Event &)> &found, std::chrono::milliseconds timeout)
{
    std::size_t checked = 0;
    const bool seen = winbpf::test::poll_until(
        *ring_,
        [&] {
            for (; checked < events_.size(); ++checked)
                if (found(events_[checked]))
                    return true;
            return false;
        },
        timeout);
    if (seen)
        ring_->poll(std::chrono::milliseconds(0)); // and what came with it
    return seen;
}

const std::vector<Event> &Recorder::drain(std::chrono::milliseconds timeout)
{
    ring_->poll(timeout);
    return events_;
}

std::uint32_t Recorder::sim_id() const
{
    for (const winbpf::HookProgram &hook : object_.hooks())
        for (bpf_program *entry : hook.entries)
            if (winbpf::parse_entry_name(bpf_program__name(entry)).event == "sim")
                return winbpf::program_id(bpf_program__fd(entry), bpf_program__name(entry));
    throw winbpf::Error(object_.name() + " has no netevent sim entry");
}

std::uint32_t drop_reason(const std::string &name)
{
    std::unique_ptr<btf, decltype(&btf__free)> types(btf__load_vmlinux_btf(), btf__free);
    if (!types)
        throw std::system_error(errno, std::generic_category(), "loading the kernel's BTF");
    const int id = btf__find_by_name_kind(types.get(), "skb_drop_reason", BTF_KIND_ENUM);
    if (id < 0)
        throw winbpf::Error("the kernel's BTF has no enum skb_drop_reason");
    const btf_type *type = btf__type_by_id(types.get(), id);
    const struct btf_enum *values = btf_enum(type);
    for (int i = 0; i < btf_vlen(type); ++i)
        if (name == btf__name_by_offset(types.get(), values[i].name_off))
            return static_cast<std::uint32_t>(values[i].val);
    throw winbpf::Error("enum skb_drop_reason has no " + name);
}

UdpDrop send_udp_to_closed_port(std::size_t size)
{
    UdpDrop drop;
    drop.destination_port = winbpf::test::free_port(Family::v4, Protocol::udp); // nothing listens on it now
    Socket sender = winbpf::test::bound_loopback(Family::v4, Protocol::udp);
    drop.source_port = sender.local_port();
    std::string text = "winbpf netevent drop " + std::to_string(drop.destination_port);
    for (std::size_t i = text.size(); i < size; ++i)
        text.push_back(static_cast<char>('a' + i % 26));
    drop.data.assign(text.begin(), text.end());
    sockaddr_in to = winbpf::test::loopback_v4(drop.destination_port);
    if (::sendto(sender.fd(), text.data(), text.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to)) !=
        static_cast<ssize_t>(text.size()))
        fail("sendto");
    return drop;
}

bool is_drop_of(const Event &event, const UdpDrop &drop)
{
    if (event.type() != event_drop)
        return false;
    const std::vector<std::uint8_t> packet = event.payload();
    if (packet.size() < sizeof(iphdr) + 8 || (packet[0] >> 4) != 4)
        return false;
    iphdr ip;
    std::memcpy(&ip, packet.data(), sizeof(ip));
    const std::size_t udp = ip.ihl * 4u;
    if (ip.protocol != IPPROTO_UDP || packet.size() < udp + 8)
        return false;
    std::uint16_t source, destination;
    std::memcpy(&source, packet.data() + udp, 2);
    std::memcpy(&destination, packet.data() + udp + 2, 2);
    return ntohs(source) == drop.source_port && ntohs(destination) == drop.destination_port;
}

TcpFlow run_tcp_flow()
{
    TcpFlow flow;
    Socket listener = winbpf::test::bound_loopback(Family::v4, Protocol::tcp);
    if (::listen(listener.fd(), 1) != 0)
        fail("listen");
    flow.server_port = listener.local_port();
    Socket client(Family::v4, Protocol::tcp);
    sockaddr_in to = winbpf::test::loopback_v4(flow.server_port);
    if (::connect(client.fd(), reinterpret_cast<sockaddr *>(&to), sizeof(to)) != 0)
        fail("connect");
    flow.client_port = client.local_port();
    Socket server(winbpf::UniqueFd(::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC)));
    if (server.fd() < 0)
        fail("accept");
    write_all(client.fd(), "ping");
    read_some(server.fd(), 4);
    write_all(server.fd(), "pong");
    read_some(client.fd(), 4);
    client.close();
    // The server sees the client's FIN (end of stream), then closes its side.
    char byte;
    if (::recv(server.fd(), &byte, 1, 0) != 0)
        fail("waiting for the client's FIN");
    server.close();
    return flow;
}

bool is_client_port_flow_of(const Event &event, const TcpFlow &flow)
{
    const std::optional<Flow> record = event.flow();
    if (!record || record->family != 4)
        return false;
    std::uint32_t source;
    std::memcpy(&source, record->source_address, 4);
    return ntohs(record->source_port) == flow.client_port && ntohs(record->destination_port) == flow.server_port &&
           source == htonl(INADDR_LOOPBACK);
}

std::vector<Event> client_flows(const std::vector<Event> &events, const TcpFlow &flow)
{
    std::optional<std::uint64_t> cookie;
    for (const Event &event : events)
        if (is_client_port_flow_of(event, flow))
            cookie = event.pktmon().PktGroupId;
    std::vector<Event> found;
    if (cookie)
        for (const Event &event : events)
            if (event.flow() && event.pktmon().PktGroupId == *cookie)
                found.push_back(event);
    return found;
}

std::uint64_t filetime_now()
{
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count() / 100) +
           116444736000000000ULL;
}

} // namespace netevent_test
