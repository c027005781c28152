// SPDX-License-Identifier: MIT
// netevent_monitor's records to lines: decoding of the records of bpf/netevent_monitor.c (the hook's netevent and
// pktmon headers plus up to 128 payload bytes), the packet or flow facts in them, kernel names of drop reasons and
// TCP states (from BTF), and the human and JSON lines.
#pragma once

#include "common/format.hpp"
#include "common/loss_reporter.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include "netevent_monitor.h"
#include "winbpf/netevent_layout.h"
}

struct btf;

namespace winbpf::monitor
{

/// netevent_data_header_t::type values (shim/include/ebpf_netevent_hooks.h).
enum class NeteventType : std::uint8_t { drop = 100, flow = 101 };

/// Addresses, protocol and ports of one event: from a DROP's IPv4/IPv6 and TCP/UDP headers (what the captured
/// bytes hold of them) or from a FLOW record. Absent facts stay nullopt / 0.
struct PacketFacts {
    unsigned family = 0; ///< 4 or 6; 0: not an IP packet, or its header was not captured.
    std::optional<std::uint8_t> protocol;
    std::array<std::uint8_t, 16> source_address{}; ///< Valid when family != 0 (IPv4: first 4 bytes).
    std::array<std::uint8_t, 16> destination_address{};
    std::optional<std::uint16_t> source_port; ///< Host order.
    std::optional<std::uint16_t> destination_port;
};

/// Parses an IP packet that starts at its network header (a DROP payload). ethertype:
/// netevent_pktmon_header_t::PacketType (0: unknown, the version nibble decides). Follows IPv6 hop-by-hop, routing,
/// destination-options and fragment headers; ports only from the first fragment of TCP or UDP, when captured.
PacketFacts parse_packet(std::span<const std::byte> packet, std::uint16_t ethertype) noexcept;

/// A decoded netevent_monitor_event record (bpf/netevent_monitor.h): copies of its headers, a view of its captured
/// payload and the facts read from it. The parts keep the Windows header's names (shim/include/winbpf/
/// netevent_layout.h): netevent_data_header_t (4 bytes), the packed 53-byte netevent_pktmon_header_t with what winbpf
/// puts in each field, and a FLOW's netevent_flow_t payload.
struct NeteventMonitorEvent {
    netevent_data_header_t header{};
    netevent_pktmon_header_t pktmon{};
    std::span<const std::byte> payload; ///< Captured payload bytes, into the record.
    netevent_flow_t flow{};             ///< Real FLOW only.
    PacketFacts facts;
    /// A simulated event (netevent_sim, upstream's netevent_sim_payload_t): its counter; nullopt for a real event.
    std::optional<std::uint32_t> sim_counter;

    NeteventType type() const noexcept { return static_cast<NeteventType>(header.type); }
};

/// True when event's payload is netevent_sim's (netevent_sim_payload_t): 17 bytes (PacketOriginalLength and
/// PacketLoggedLength too) whose first byte is the event type, with PacketType and ComponentId 0 and, on a DROP,
/// DropLocation 0 (a real drop has the kernel address that dropped it), on a FLOW PktGroupId 0 (a real flow has its
/// socket cookie). event: headers and payload set.
bool is_sim_event(const NeteventMonitorEvent &event) noexcept;

/// Decodes one record: NETEVENT_MONITOR_HEADERS_SIZE bytes of headers, then exactly
/// min(PacketLoggedLength, NETEVENT_MONITOR_PAYLOAD_MAX) payload bytes. A simulated event (is_sim_event) decodes to
/// its counter, IPv4 addresses and ports (no protocol). Malformed (with the reason): "record too short", "unknown
/// event type", "unknown version", "event id mismatch" (EventId differs from the type), "size mismatch", "flow record
/// too short" (a FLOW payload under sizeof(netevent_flow_t)), "unknown flow family". A DROP whose payload is cut or not
/// IP decodes with the facts it has. out.payload points into bytes, which must outlive it.
RecordStatus decode_netevent_event(std::span<const std::byte> bytes, NeteventMonitorEvent &out) noexcept;

/// Names of a kernel enum's values, read from BTF.
class EnumNames
{
  public:
    EnumNames() = default;
    explicit EnumNames(const std::map<std::uint64_t, std::string> &names);

    /// The values of the enum (ENUM or ENUM64) of types named enum_name, or, with an empty enum_name, of the first
    /// enum having a value named member (the TCP states are an anonymous enum). prefix is removed from names that
    /// start with it. Empty when there is no such enum.
    static EnumNames from_btf(const btf &types, std::string_view enum_name, std::string_view member = {},
                              std::string_view prefix = {});

    /// The name of value, or nullptr.
    const std::string *find(std::uint64_t value) const noexcept { return name_of(value, &Entry::name); }
    /// The name of value as a JSON string (append_json_string's text, quotes included, made once), or nullptr.
    const std::string *find_json(std::uint64_t value) const noexcept { return name_of(value, &Entry::json); }
    std::size_t size() const noexcept { return names_.size(); }

  private:
    struct Entry {
        std::string name;
        std::string json;
        bool known = false;
    };
    /// Values below this are looked up by index (a kernel enum's are small and dense), others in names_.
    static constexpr std::uint64_t dense_limit = 1024;

    const std::string *name_of(std::uint64_t value, std::string Entry::*part) const noexcept
    {
        if (value < dense_.size())
            return dense_[value].known ? &(dense_[value].*part) : nullptr;
        if (value < dense_limit)
            return nullptr;
        const auto it = names_.find(value);
        return it == names_.end() ? nullptr : &(it->second.*part);
    }

    std::map<std::uint64_t, Entry> names_;
    std::vector<Entry> dense_; ///< by value, up to the largest value below dense_limit
};

/// The running kernel's names the lines use.
struct KernelNames {
    EnumNames drop_reasons; ///< enum skb_drop_reason without "SKB_DROP_REASON_" ("NO_SOCKET").
    EnumNames tcp_states;   ///< "TCP_ESTABLISHED" ...
};

/// Reads KernelNames from types (e.g. vmlinux BTF).
KernelNames kernel_names(const btf &types);

/// Reads KernelNames from the running kernel's BTF (btf__load_vmlinux_btf). Throws winbpf::Error when it has none or
/// lacks enum skb_drop_reason or the TCP states.
KernelNames load_kernel_names();

/// Appends bytes as lowercase hex, two digits each.
void append_hex(std::span<const std::byte> bytes, std::string &out);

/// Writes the same at p (room for 2 * bytes.size()); returns the end.
char *put_hex(char *p, std::span<const std::byte> bytes) noexcept;

/// Turns records into lines, one per event, appended to a caller-owned buffer:
///   Drop: Reason:<name|?>(<code>), Protocol:<tcp|udp|n|?>, <src>:<port> -> <dst>:<port>, IfIndex:<n>,
///   Length:<n>, Captured:<n>, Time:<time>, Payload:<hex>
///   Flow: <old state> -> <new state>, PID:<pid|?>, Protocol:tcp, <src>:<port> -> <dst>:<port>, Time:<time>,
///   Payload:<hex>
/// (IPv6 addresses in brackets; missing addresses or ports as "?"; names terminal-escaped), or JSON objects with keys
/// in this order: type ("drop", "flow"), timestamp, reason, reason_code, protocol, family, source_address,
/// source_port, destination_address, destination_port, old_state, new_state, process_id, ifindex, packet_length,
/// captured_length, sim_counter, payload; null where a fact does not apply or is unknown. Times are ISO-8601 UTC µs
/// from the header's FILETIME. A simulated event (netevent_sim) has "Simulated:<counter>" in place of a flow's states
/// and PID, after a drop's reason, and its reason named by the simulator's enum (SECURITY_POLICY); in JSON its
/// counter as sim_counter. A record that does not decode is shown raw:
///   Malformed: Error:<reason>, Length:<bytes>, Record:<hex>
///   {"type":"malformed","error":"<reason>","record_length":<bytes>,"record":"<hex>"}
/// One formatter per thread.
class NeteventMonitorFormatter
{
  public:
    NeteventMonitorFormatter(OutputFormat format, KernelNames names);

    /// Decodes one record and appends its line to out: the event's, or the raw record's when it is malformed (the
    /// status says why).
    RecordStatus format(std::span<const std::byte> record, std::string &out);

  private:
    void append_human(std::string &out);
    void append_json(std::string &out);
    void append_malformed(std::span<const std::byte> record, const char *reason, std::string &out) const;
    /// The drop reason's names: the simulator's for a simulated event, the kernel's otherwise.
    const EnumNames &drop_reasons() const noexcept;

    OutputFormat format_;
    KernelNames names_;
    NeteventMonitorEvent event_; ///< the record being formatted
    FiletimeFormatter times_;
};

} // namespace winbpf::monitor
