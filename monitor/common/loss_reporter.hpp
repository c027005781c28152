// SPDX-License-Identifier: MIT
// Counts of a session's records and reports of lost ones (the BPF side could not write / userspace not decode).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

namespace winbpf::monitor
{

/// The stage of a session where events are lost (docs/fleet.md "Loss"): the BPF side (ring buffer full, counted per
/// CPU in the kernel), the consumer (records it could not decode), an output (write or open failures).
enum class LossStage { bpf, consumer, output };

/// "bpf", "consumer" or "output".
const char *loss_stage_name(LossStage stage) noexcept;

/// A record handler's verdict on one record: handled, or malformed (counted as lost, never dropped silently).
class RecordStatus
{
  public:
    static constexpr RecordStatus ok() noexcept { return RecordStatus(nullptr); }
    /// reason: static text naming the fault, e.g. "size mismatch".
    static constexpr RecordStatus malformed(const char *reason) noexcept { return RecordStatus(reason); }

    constexpr bool is_ok() const noexcept { return reason_ == nullptr; }
    /// nullptr when ok.
    constexpr const char *reason() const noexcept { return reason_; }

  private:
    constexpr explicit RecordStatus(const char *reason) noexcept : reason_(reason) {}
    const char *reason_;
};

/// Counts the records of a session and prints a line whenever one loss source grows:
///   <tool>: lost N events (total M): ring buffer full
///   <tool>: lost N events (total M): malformed record (<reason>)
class LossReporter
{
  public:
    /// kernel_lost reads the BPF side's counter (winbpf::Object::lost_events); lines go to stream.
    LossReporter(std::string tool, std::function<std::uint64_t()> kernel_lost, std::FILE *stream);

    /// Called by check() for each source that grew, after its line: the stage, the reason ("ring_buffer_full",
    /// "malformed_record"), the events lost since the last call for that source, and the stage's total.
    using Listener = std::function<void(LossStage stage, const char *reason, std::uint64_t count, std::uint64_t total)>;
    void set_listener(Listener listener) { listener_ = std::move(listener); }

    /// Counts one record received with the status its handler returned.
    void count(RecordStatus status) noexcept;

    /// Reads the BPF side's counter and prints one line per source that grew since the last check.
    void check();

    /// Records counted.
    std::uint64_t received() const noexcept { return received_; }
    /// Records counted as malformed.
    std::uint64_t malformed() const noexcept { return malformed_; }
    /// Reason of the last malformed record ("" while none).
    const char *last_reason() const noexcept { return last_reason_; }
    /// Losses of the BPF side (ring buffer full) seen by the last check().
    std::uint64_t kernel_lost() const noexcept { return kernel_reported_; }
    /// Every loss seen by the last check().
    std::uint64_t total() const noexcept { return kernel_reported_ + malformed_reported_; }

  private:
    std::string tool_;
    std::function<std::uint64_t()> kernel_lost_;
    std::FILE *stream_;
    Listener listener_;
    std::uint64_t received_ = 0;
    std::uint64_t malformed_ = 0;
    const char *last_reason_ = "";
    std::uint64_t kernel_reported_ = 0;
    std::uint64_t malformed_reported_ = 0;
};

} // namespace winbpf::monitor
