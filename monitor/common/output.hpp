// SPDX-License-Identifier: MIT
// Where a monitor's lines go (--output): stdout, JSON lines in a size-rotated file, or a NATS JetStream stream; the
// in-band stream records (stream start, loss) and each output's delivered and lost counts.
#pragma once

#include "common/loss_reporter.hpp"
#include "common/output_writer.hpp"

#include "winbpf/unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace winbpf::monitor
{

/// Version of the monitors' JSON lines (docs/fleet.md "JSON schema"): raised on each change, additive only. Carried by
/// every stream record (type "stream" at the top of each output file, type "loss").
inline constexpr unsigned schema_version = 1;

/// What --output and the options beside it ask for.
struct OutputOptions {
    /// --output, repeatable: "stdout", "file:PATH" or "nats://HOST:PORT/SUBJECT" (nats_output.hpp). Empty: stdout
    /// alone.
    std::vector<std::string> sinks;
    /// --output-max-size in MB (10^6 bytes; fractions allowed): a file output is rotated before a batch would take it
    /// past this size.
    double max_size_mb = 10;
    /// --output-max-files: rotated files kept beside the current one (PATH.1 newest .. PATH.N oldest); 0: none kept
    /// (the file is emptied at the size limit).
    unsigned max_files = 5;
    /// --output-gzip: rotated files are gzip-compressed (PATH.1.gz ...); the current file stays plain text.
    bool gzip = false;
    /// --output-buffer: events a buffering output (NATS) holds at most, queued or not yet acknowledged.
    std::uint64_t buffer_events = 100'000;
    /// --nats-stream: name of the JetStream stream created when none captures the subject.
    std::string nats_stream = "WINBPF";
    /// --nats-creds: a NATS credentials file (JWT and NKey seed).
    std::string nats_creds;
    /// --nats-tls-ca, --nats-tls-cert, --nats-tls-key: CA to trust, client certificate and key (PEM files).
    std::string nats_tls_ca, nats_tls_cert, nats_tls_key;

    /// True when an output other than stdout is asked for (those carry JSON lines: --json is implied).
    bool wants_json() const;
};

/// Appends a loss record, one JSON line:
///   {"type":"loss","schema_version":1,"tool":T,"time":ISO-8601,"stage":S,"reason":R,"count":N,"total":M}
/// with ,"output":NAME after the stage for the output stage (output non-empty). count: events lost since the last
/// loss record of this stage and reason; total: since the start.
void append_loss_record(std::string_view tool, LossStage stage, std::string_view output, std::string_view reason,
                        std::uint64_t count, std::uint64_t total, std::string &out);

/// Appends the record at the top of each output file:
///   {"type":"stream","schema_version":1,"tool":T,"time":ISO-8601,"host":H,"pid":P}
void append_stream_record(std::string_view tool, std::string &out);

/// One destination of a session's lines. write() never throws: a failure is counted (lost events, errors) and
/// reported on stderr once per error kind, and the next write tries again.
class Sink
{
  public:
    explicit Sink(std::string name) : name_(std::move(name)) {}
    virtual ~Sink() = default;
    Sink(const Sink &) = delete;
    Sink &operator=(const Sink &) = delete;

    /// Writes events: complete lines, one event each.
    virtual void write_events(std::string_view lines) = 0;
    /// Writes one stream record (a loss record): a complete line, not counted as an event.
    virtual void write_record(std::string_view line) = 0;
    /// Reopens the destination (SIGUSR1: after logrotate renamed a file). Default: nothing to do.
    virtual void reopen() {}
    /// Called once the session is attached and holds no capability (threads it starts inherit none); may throw
    /// winbpf::Error to stop the session (a server that cannot be reached). Default: nothing to do.
    virtual void start() {}
    /// Called once per drain on the session's thread: takes counts of work done on other threads. Default: nothing.
    virtual void poll() {}
    /// Called before the session's summary: delivers what is buffered within timeout, counts the rest as lost.
    virtual void finish(std::chrono::milliseconds timeout) { static_cast<void>(timeout); }
    /// True when the destination is gone for good (stdout closed): the session stops.
    virtual bool closed() const { return false; }

    /// As given on the command line: "stdout", "file:PATH".
    const std::string &name() const { return name_; }
    /// Events written completely.
    std::uint64_t delivered() const { return delivered_; }
    /// Events this output lost (write or open failures).
    std::uint64_t lost() const { return lost_; }
    /// Failed writes and opens.
    std::uint64_t errors() const { return errors_; }
    /// Reason of the last loss ("write_error", "open_error"), "" while none.
    const char *last_reason() const { return last_reason_; }
    /// Events lost by reason (static reason texts), in the order the reasons first came.
    const std::vector<std::pair<const char *, std::uint64_t>> &losses() const { return losses_; }
    /// Events taken but not yet delivered (a buffering output); 0 for stdout and files, which write synchronously.
    virtual std::uint64_t buffered() const { return 0; }
    /// Every reason this kind of output can lose events for (the metrics show each from 0 on).
    virtual std::vector<const char *> loss_reasons() const { return {"write_error"}; }

  protected:
    /// Counts events lost for reason (static text).
    void count_loss(const char *reason, std::uint64_t events);

    std::uint64_t delivered_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t errors_ = 0;
    const char *last_reason_ = "";
    std::vector<std::pair<const char *, std::uint64_t>> losses_;

  private:
    std::string name_;
};

/// The session's stdout (fd 1, not owned): lines written whole; a failed write (EPIPE: the reader went away) closes
/// it for good.
class StdoutSink final : public Sink
{
  public:
    StdoutSink() : Sink("stdout") {}
    void write_events(std::string_view lines) override;
    void write_record(std::string_view line) override;
    bool closed() const override { return writer_.error() != 0; }
    /// errno of the failed write, 0 while none failed.
    int error() const { return writer_.error(); }

  private:
    OutputWriter writer_{STDOUT_FILENO};
};

/// JSON lines appended to a file created with mode 0600 (an existing regular file is made 0600 too). Before a batch
/// would take the file past max_size, it is rotated: PATH.(N-1) -> PATH.N ... PATH -> PATH.1 (gzip: PATH.1.gz,
/// compressed with zlib as it is rotated), the oldest beyond max_files removed, and a new PATH begun with a stream
/// record. A batch is split at line boundaries only: no line is ever split across files (one line longer than max_size
/// gets a file of its own). A write that fails part-way is cut back to its last complete line (ftruncate). An output
/// that cannot be opened or written counts the events of each batch as lost, says why on stderr (once per errno), tries
/// to open again at most once a second, and when it succeeds writes a loss record before the next events.
class FileSink final : public Sink
{
  public:
    /// path: the current file; tool: for the stream records and messages. Opens (or fails and counts) now.
    FileSink(std::string path, std::string tool, std::uint64_t max_size, unsigned max_files, bool gzip);
    void write_events(std::string_view lines) override;
    void write_record(std::string_view line) override;
    /// Closes the current file and opens PATH again (created when it was renamed away).
    void reopen() override;

    /// Files rotated so far.
    std::uint64_t rotations() const { return rotations_; }
    std::vector<const char *> loss_reasons() const override { return {"open_error", "write_error"}; }

  private:
    bool open();
    bool ensure_open();
    void rotate();
    /// Writes bytes whole at the end of the file; false (file cut back to its size before) on failure.
    bool append(std::string_view bytes);
    void fail(const char *reason, int error, std::uint64_t events);
    void report_pending_loss();

    std::string path_;
    std::string tool_;
    std::uint64_t max_size_;
    unsigned max_files_;
    bool gzip_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    bool has_events_ = false; ///< the current file holds an event line (a full file is rotated only then)
    std::uint64_t rotations_ = 0;
    std::uint64_t unreported_lost_ = 0;
    int last_error_ = 0;
    std::chrono::steady_clock::time_point next_open_{};
};

/// The outputs of a session: each event batch and stream record goes to every one.
class Outputs
{
  public:
    /// Opens the sinks of options (stdout when none); tool: for stream records and messages. Throws winbpf::Error for
    /// a sink that names no known kind ("output X: unknown kind: use stdout, file:PATH or
    /// nats://HOST:PORT/SUBJECT") or a bad NATS URL.
    Outputs(const OutputOptions &options, const std::string &tool);

    /// Writes lines (complete lines, one event each) to every output and clears them.
    void write_events(std::string &lines);
    /// Writes a stream record (complete line) to every output.
    void write_record(std::string_view line);
    /// Reopens every output (SIGUSR1).
    void reopen();
    /// Sink::start, poll and finish of every output.
    void start();
    void poll();
    void finish(std::chrono::milliseconds timeout);
    /// True when one of them is gone for good (stdout closed).
    bool closed() const;

    const std::vector<std::unique_ptr<Sink>> &sinks() const { return sinks_; }
    /// The stdout output, nullptr when not asked for.
    const StdoutSink *stdout_sink() const { return stdout_; }

  private:
    std::vector<std::unique_ptr<Sink>> sinks_;
    StdoutSink *stdout_ = nullptr;
};

/// Events in lines: the count of '\n'.
std::uint64_t count_lines(std::string_view lines) noexcept;

} // namespace winbpf::monitor
