// SPDX-License-Identifier: MIT
// What the netevent-hook tests share: tests/bpf/netevent_*.o attached by capture type with their records decoded,
// real traffic on loopback (a UDP datagram to a closed port, a TCP connection) and the running kernel's drop reasons.
#pragma once

#include <cstdint>

#include "netevent_record.h"
#include "winbpf/netevent_layout.h"

#include "support/kernel_test.hpp"
#include "winbpf/attachment.hpp"
#include "winbpf/object.hpp"
#include "winbpf/ring_buffer.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace netevent_test
{

/// The event buffer's layout, as the shim defines it (shim/include/winbpf/netevent_layout.h).
constexpr std::uint8_t event_drop = NETEVENT_EVENT_TYPE_PKTMON_DROP;
constexpr std::uint8_t event_flow = NETEVENT_EVENT_TYPE_PKTMON_FLOW;
constexpr std::size_t data_header_size = sizeof(netevent_data_header_t);
constexpr std::size_t pktmon_header_size = PKTMON_EVENT_HEADER_LENGTH;
constexpr std::size_t headers_size = data_header_size + pktmon_header_size; // data - data_meta
using PktmonHeader = netevent_pktmon_header_t;
using Flow = netevent_flow_t;
static_assert(sizeof(PktmonHeader) == pktmon_header_size);
static_assert(sizeof(Flow) == 44);

/// One event as a program copied it: the whole buffer from data_meta (event_data_start) to data_end.
struct Event {
    std::vector<std::uint8_t> bytes;
    std::uint32_t header_size = 0;  ///< data - data_meta as the program saw it (0 from the older spelling)
    std::uint32_t payload_size = 0; ///< data_end - data as the program saw it (0 from the older spelling)

    /// netevent_data_header_t fields.
    std::uint8_t type() const { return bytes.empty() ? 0 : bytes[0]; }
    std::uint16_t version() const;
    /// The pktmon header (zeros when the buffer is too short).
    PktmonHeader pktmon() const;
    /// Bytes after the two headers.
    std::vector<std::uint8_t> payload() const;
    /// The payload as a flow record, when it is one.
    std::optional<Flow> flow() const;
};

/// Event from a netevent_record (ring buffer) or a perf sample (the buffer, padded to 8 bytes: cut to its headers and
/// PacketLoggedLength).
Event decode_record(std::span<const std::byte> bytes);
Event decode_buffer(std::span<const std::byte> bytes);

/// Path of a test object built from tests/bpf/<name>.c.
std::string bpf_object_path(const std::string &name);

/// A netevent_recorder or netevent_legacy object loaded and attached with a capture type (its name; "": the default);
/// its records decoded.
/// Detached and unloaded on destruction; fails the test when records were lost.
class Recorder
{
  public:
    explicit Recorder(const std::string &capture, const std::string &object = "netevent_recorder");
    ~Recorder();
    Recorder(const Recorder &) = delete;
    Recorder &operator=(const Recorder &) = delete;

    /// Drains until some event satisfies found or timeout; then once more. True when found.
    bool wait_for(const std::function<bool(const Event &)> &found,
                  std::chrono::milliseconds timeout = std::chrono::seconds(3));
    /// Drains what is there now (waiting up to timeout).
    const std::vector<Event> &drain(std::chrono::milliseconds timeout = std::chrono::milliseconds(200));
    const std::vector<Event> &events() const { return events_; }
    const winbpf::Object &object() const { return object_; }
    /// Kernel id of the object's sim entry.
    std::uint32_t sim_id() const;

  private:
    winbpf::Object object_;
    std::optional<winbpf::Attachment> attachment_;
    std::optional<winbpf::RingBufferConsumer> ring_;
    std::vector<Event> events_;
};

/// Value of an enumerator of enum skb_drop_reason in the running kernel's BTF; throws when missing.
std::uint32_t drop_reason(const std::string &name);

/// A UDP datagram sent from 127.0.0.1 to a loopback port that was just free (bound, then closed): dropped by the
/// kernel with no socket to receive it. size: the datagram's length (at least its text).
struct UdpDrop {
    std::uint16_t source_port = 0;      ///< host number
    std::uint16_t destination_port = 0; ///< host number
    std::vector<std::uint8_t> data;     ///< the datagram's payload
};
UdpDrop send_udp_to_closed_port(std::size_t size = 0);

/// The IPv4 packet of drop, if event is its DROP (payload from the network header: IPv4, UDP, the datagram).
bool is_drop_of(const Event &event, const UdpDrop &drop);

/// A TCP connection on 127.0.0.1: connect, a transfer both ways, the client closes first, then the server.
struct TcpFlow {
    std::uint16_t client_port = 0; ///< host number
    std::uint16_t server_port = 0; ///< host number
};
TcpFlow run_tcp_flow();

/// A FLOW event of the client socket of flow, matched by its local port and address (the kernel changes the state to
/// SYN_SENT before it picks the local port, and clears the port when the socket closes: those events do not match).
bool is_client_port_flow_of(const Event &event, const TcpFlow &flow);
/// Every FLOW event of the client socket of flow in order: those with its socket cookie (PktGroupId), found through
/// an event that is_client_port_flow_of.
std::vector<Event> client_flows(const std::vector<Event> &events, const TcpFlow &flow);

/// FILETIME (100 ns since 1601-01-01 UTC) of now.
std::uint64_t filetime_now();

/// KernelTest for the netevent suite.
class NeteventTest : public winbpf::test::KernelTest
{
};

} // namespace netevent_test
