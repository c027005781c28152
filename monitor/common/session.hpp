// SPDX-License-Identifier: MIT
// The session of a ring buffer monitor: load an embedded BPF object, attach it, print its records until stopped.
#pragma once

#include "common/loss_reporter.hpp"
#include "common/output.hpp"
#include "common/recording.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/object.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <sys/capability.h>
#include <vector>

namespace winbpf::monitor
{

/// Bytes of buffered lines at which the session writes them out without waiting for the end of the drained batch
/// (its buffer is reserved at twice this). bench/monitor_bench flushes at the same size.
inline constexpr std::size_t flush_threshold = 64 * 1024;

/// Appends the lines of one ring buffer record (its bytes as the BPF side wrote them) to out; returns
/// RecordStatus::malformed(reason) when it cannot decode it (counted as lost; a line it appended for it, e.g. the raw
/// record, is written as any other).
using RecordHandler = std::function<RecordStatus(std::span<const std::byte> record, std::string &out)>;

/// Attaches a loaded object; the Attachment detaches when destroyed.
using Attacher = std::function<Attachment(const Object &object)>;

/// The BPF object that `bpftool gen skeleton` embedded in a tool, from the skeleton's <name>__elf_bytes function
/// (static storage: it outlives any session).
inline std::span<const std::byte> skeleton_elf(const void *(*elf_bytes)(std::size_t *size)) noexcept
{
    std::size_t size = 0;
    const void *data = elf_bytes(&size);
    return {static_cast<const std::byte *>(data), size};
}

/// What a monitor runs.
struct SessionConfig {
    /// Name in messages ("<tool>: received N, lost M") and of the BPF object.
    std::string tool;
    /// ELF bytes of the BPF object (e.g. skeleton_elf(...)); must outlive the session.
    std::span<const std::byte> object_elf;
    /// BPF_MAP_TYPE_RINGBUF map of the object that carries the records.
    std::string ring_buffer_map;
    /// Non-zero: the size in bytes of ring_buffer_map, set before the object is loaded (--ring-buffer-size; a power
    /// of two multiple of the page size, parse_ring_buffer_size). 0: the size the BPF object declares.
    std::uint32_t ring_buffer_size = 0;
    RecordHandler handle_record;
    /// Default: every program of the object's hooks (winbpf::Attachment(object)).
    Attacher attach = [](const Object &object) { return Attachment(object); };
    /// Optional; runs once attached, before "Press Ctrl-C to stop" (e.g. to learn what ran before the attach). Must
    /// start no process: the monitor would report it.
    std::function<void()> after_attach;
    /// Capabilities the monitor needs to load and attach its programs, and holds only until then (documented in its
    /// README). The session refuses to start without them, drops every other one at start and all of them once
    /// attached.
    std::vector<cap_value_t> capabilities{CAP_BPF, CAP_PERFMON};
    /// Longest delay between an event and its line. The BPF side batches wake-ups, so the session drains on this
    /// timeout: each drain costs a context switch, a longer one costs less CPU per event.
    std::chrono::milliseconds poll_timeout{250};
    /// Non-empty: also write every record, as received and before handle_record, to this recording file
    /// (RecordingWriter; created before loading, written out with each batch of lines).
    std::string record_path;
    /// CLOCK_REALTIME - CLOCK_BOOTTIME in ns written into the recording: the one the handler formats times with.
    std::int64_t recording_clock_offset_ns = 0;
    /// Where the lines go (--output): stdout alone by default (Outputs).
    OutputOptions outputs;
    /// Non-empty: serve Prometheus metrics on this --metrics value (metrics_listen_address) once attached (Metrics).
    std::string metrics_address;
    /// The lines are JSON: every output also carries the loss records (append_loss_record) in band.
    bool json = false;
    /// Non-null: replay this recording instead of loading and attaching (needs no capability); must be of this tool.
    const Recording *replay = nullptr;
};

/// Runs a monitor until SIGINT/SIGTERM or until stdout is closed; returns the process exit status. Starts no process
/// once attached (a monitor does not report its own helpers). The lines go to config.outputs (Outputs: stdout and/or
/// files; SIGUSR1 reopens them); with config.json each loss also goes in band as a loss record, and each output other
/// than stdout ends with "<tool>: output NAME: delivered D, lost L" on stderr. Under systemd (NOTIFY_SOCKET) it says
/// READY=1 once attached and STOPPING=1 when it begins to stop (sd_notify).
/// Needs config.capabilities in its effective set, root or not ("<tool>: needs CAP_BPF, ... (missing: ...)" and 1
/// otherwise), and keeps only those (limit_capabilities). Loads and attaches the object, runs after_attach, then drops
/// every capability and sets no_new_privs (drop_capabilities; CapEff 0: ring buffer reads and map lookups on the fds
/// it holds need none; on kernels that check CAP_BPF on every bpf() call, before 6.5, it keeps CAP_BPF alone and says
/// so), prints "Press Ctrl-C to stop" to stderr, then per drained batch hands each record to handle_record and writes
/// its lines to stdout (one write(2) per batch or flush_threshold bytes); loss lines go to stderr as losses happen
/// (LossReporter). On stop: detaches, drains what is left, prints "<tool>: received N, lost M" to stderr and
/// returns 0. Load, attach or write errors print "<tool>: <error>" to stderr and return 1 (EPIPE on stdout: 0).
///
/// With config.replay, hands each recorded record to handle_record and writes the lines as a live session did (the
/// same batching), prints malformed ones as losses, then "<tool>: replayed N records, lost M" to stderr; returns 0,
/// or 1 when the recording is damaged after its last complete record ("<tool>: recording damaged: <damage>", after
/// the lines of every complete record) or stdout fails.
int run_session(const SessionConfig &config);

} // namespace winbpf::monitor
