// SPDX-License-Identifier: MIT
// The NATS JetStream output of a monitor (--output nats://HOST:PORT/SUBJECT), with Debian's libnats (cnats).
#pragma once

#include "common/output.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace winbpf::monitor
{

/// The parts of a NATS output: "nats://[USER:PASS@]HOST:PORT/SUBJECT" (or tls://...).
struct NatsTarget {
    std::string server;  ///< "nats://[USER:PASS@]HOST:PORT" as libnats takes it
    std::string subject; ///< where each event is published: tokens of [A-Za-z0-9_-], '.'-separated, no wildcard
};

/// Parses a --output nats://... or tls://... value; throws winbpf::Error naming what is wrong ("output X: ...").
NatsTarget parse_nats_target(const std::string &sink);

/// True when sink starts with nats:// or tls://.
bool is_nats_sink(const std::string &sink) noexcept;

/// Each event published as one message (its JSON line without the newline) to a JetStream stream, at least once: an
/// event counts as delivered when the server acknowledged it. Every message carries a Nats-Msg-Id header
/// (host-pid-start-seq), so a retry after a lost acknowledgement is removed by the stream's duplicate window.
/// Events wait in a bounded buffer (options.buffer_events: queued and not yet acknowledged); while the server is away
/// they stay there (libnats reconnects by itself, forever, every 250 ms) and what does not fit is dropped and counted
/// ("buffer_full"); once the server takes messages again a loss record (stage output) goes first. A publish that
/// fails or is not acknowledged in 5 s is sent again.
class NatsSink final : public Sink
{
  public:
    /// Parses sink (throws winbpf::Error for a bad URL or subject); connects only in start().
    NatsSink(const std::string &sink, std::string tool, const OutputOptions &options);
    ~NatsSink() override;

    /// Connects (TLS and credentials from options), finds the stream that captures the subject or creates one
    /// (options.nats_stream, file storage), and starts publishing. Throws winbpf::Error ("output X: cannot connect:
    /// ...", "... no JetStream ...", "cannot create stream ...").
    void start() override;
    void write_events(std::string_view lines) override;
    void write_record(std::string_view line) override;
    /// Takes the acknowledgements counted since the last poll and queues a loss record after a loss.
    void poll() override;
    /// Waits up to timeout for every buffered event to be acknowledged; what is left counts as lost ("shutdown").
    void finish(std::chrono::milliseconds timeout) override;
    std::uint64_t buffered() const override;
    std::vector<const char *> loss_reasons() const override { return {"buffer_full", "shutdown"}; }

    /// The stream the events go to (found or created by start()).
    const std::string &stream() const { return stream_; }

    /// The server's answer to message seq (called on libnats' thread): ok, or an error or no answer in time (data: the
    /// message, queued again).
    void acknowledged(std::uint64_t seq, bool ok, std::string data);

  private:
    /// Events queued or published and not yet acknowledged; mutex_ held.
    std::uint64_t buffered_locked() const;
    /// Queues the loss record for the events lost since the last one (none when nothing was lost); mutex_ held.
    void queue_loss_record_locked();
    struct Item {
        std::string data;
        std::uint64_t seq = 0;
        bool event = true;
    };
    struct Nats; // the libnats handles

    void enqueue(std::string_view data, bool event);
    void publish_loop(std::stop_token stop);

    std::string tool_;
    NatsTarget target_;
    OutputOptions options_;
    std::string stream_;
    std::string id_prefix_;
    std::unique_ptr<Nats> nats_;

    mutable std::mutex mutex_;
    std::condition_variable_any ready_;
    std::deque<Item> queue_;                         ///< waiting to be published (retries at the front)
    std::unordered_map<std::uint64_t, bool> flight_; ///< published, not acknowledged: seq -> is an event
    std::uint64_t next_seq_ = 0;
    std::uint64_t acked_events_ = 0; ///< under mutex_
    std::uint64_t publish_errors_ = 0;
    std::uint64_t unreported_lost_ = 0;
    std::jthread publisher_;
};

} // namespace winbpf::monitor
