// SPDX-License-Identifier: MIT
// The session of a ring buffer monitor: load an embedded BPF object, attach it, print its records until stopped.
#pragma once

#include "common/loss_reporter.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/object.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <string>

namespace winbpf::monitor
{

/// Bytes of buffered lines at which the session writes them out without waiting for the end of the drained batch
/// (its buffer is reserved at twice this). bench/monitor_bench flushes at the same size.
inline constexpr std::size_t flush_threshold = 64 * 1024;

/// Appends the lines of one ring buffer record (its bytes as the BPF side wrote them) to out; returns
/// RecordStatus::malformed(reason) when it cannot decode it (out untouched).
using RecordHandler = std::function<RecordStatus(std::span<const std::byte> record, std::string &out)>;

/// Attaches a loaded object; the Attachment detaches when destroyed.
using Attacher = std::function<Attachment(const Object &object)>;

/// What a monitor runs.
struct SessionConfig {
    /// Name in messages ("<tool>: received N, lost M") and of the BPF object.
    std::string tool;
    /// ELF bytes of the BPF object (e.g. a bpftool skeleton's elf_bytes); must outlive the session.
    std::span<const std::byte> object_elf;
    /// BPF_MAP_TYPE_RINGBUF map of the object that carries the records.
    std::string ring_buffer_map;
    RecordHandler handle_record;
    /// Optional; runs on the opened object before Object::load() (e.g. to size a map to the possible CPUs).
    std::function<void(Object &object)> before_load;
    /// Default: every program of the object's hooks (winbpf::Attachment(object)).
    Attacher attach = [](const Object &object) { return Attachment(object); };
    /// Optional; runs once attached, before "Press Ctrl-C to stop" (e.g. to learn what ran before the attach).
    std::function<void()> after_attach;
    /// Longest delay between an event and its line. The BPF side batches wake-ups, so the session drains on this
    /// timeout: each drain costs a context switch, a longer one costs less CPU per event.
    std::chrono::milliseconds poll_timeout{250};
};

/// Runs a monitor until SIGINT/SIGTERM or until stdout is closed; returns the process exit status.
/// Needs root ("<tool>: must run as root ..." and 1 otherwise). Loads and attaches the object, prints
/// "Press Ctrl-C to stop" to stderr, then per drained batch hands each record to handle_record and writes its
/// lines to stdout (one write(2) per batch or flush_threshold bytes); loss lines go to stderr as losses happen
/// (LossReporter). On stop: detaches, drains what is left, prints "<tool>: received N, lost M" to stderr and
/// returns 0. Load, attach or write errors print "<tool>: <error>" to stderr and return 1 (EPIPE on stdout: 0).
int run_session(const SessionConfig &config);

} // namespace winbpf::monitor
