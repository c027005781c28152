// SPDX-License-Identifier: MIT
#include "common/output.hpp"

#include "common/format.hpp"
#include "common/nats_output.hpp"

#include "winbpf/error.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace winbpf::monitor
{
namespace
{

constexpr std::string_view file_prefix = "file:";

/// ,"time":"<now as ISO-8601 UTC>"
void append_time_now(std::string &out)
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const std::uint64_t filetime = filetime_unix_epoch + static_cast<std::uint64_t>(now.tv_sec) * 10'000'000ULL +
                                   static_cast<std::uint64_t>(now.tv_nsec) / 100;
    append_json_key("time", out);
    out += '"';
    append_filetime_iso8601(filetime, out);
    out += '"';
}

/// Compresses the file at from into a new gzip file at to (mode 0600); false (to removed, errno set) on failure.
bool gzip_file(const std::string &from, const std::string &to)
{
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in)
        return false;
    UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!out)
        return false;
    // gzdopen takes its own descriptor: the one closed by gzclose is a dup, ours stays with UniqueFd.
    const int gz_fd = ::dup(out.get());
    if (gz_fd < 0)
        return false;
    gzFile gz = gzdopen(gz_fd, "wb6");
    if (gz == nullptr) {
        ::close(gz_fd);
        return false;
    }
    bool ok = true;
    std::array<char, 64 * 1024> buffer{};
    for (;;) {
        const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ok = false;
            break;
        }
        if (gzwrite(gz, buffer.data(), static_cast<unsigned>(n)) != static_cast<int>(n)) {
            ok = false;
            errno = EIO;
            break;
        }
    }
    const int saved = errno;
    if (gzclose(gz) != Z_OK && ok) {
        ok = false;
        errno = EIO;
    } else {
        errno = saved;
    }
    if (!ok) {
        const int error = errno;
        ::unlink(to.c_str());
        errno = error;
    }
    return ok;
}

} // namespace

bool OutputOptions::wants_json() const
{
    return std::any_of(sinks.begin(), sinks.end(), [](const std::string &sink) { return sink != "stdout"; });
}

const char *loss_stage_name(LossStage stage) noexcept
{
    switch (stage) {
    case LossStage::bpf:
        return "bpf";
    case LossStage::consumer:
        return "consumer";
    case LossStage::output:
        return "output";
    }
    return "unknown";
}

void append_loss_record(std::string_view tool, LossStage stage, std::string_view output, std::string_view reason,
                        std::uint64_t count, std::uint64_t total, std::string &out)
{
    out += R"({"type":"loss")";
    append_json_number_field("schema_version", schema_version, out);
    append_json_string_field("tool", tool, out);
    append_time_now(out);
    append_json_string_field("stage", loss_stage_name(stage), out);
    if (!output.empty())
        append_json_string_field("output", output, out);
    append_json_string_field("reason", reason, out);
    append_json_number_field("count", count, out);
    append_json_number_field("total", total, out);
    out += "}\n";
}

void append_stream_record(std::string_view tool, std::string &out)
{
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0)
        host[0] = '\0';
    out += R"({"type":"stream")";
    append_json_number_field("schema_version", schema_version, out);
    append_json_string_field("tool", tool, out);
    append_time_now(out);
    append_json_string_field("host", host.data(), out);
    append_json_number_field("pid", static_cast<std::uint64_t>(getpid()), out);
    out += "}\n";
}

std::uint64_t count_lines(std::string_view lines) noexcept
{
    // memchr from line to line: std::count compiled to a byte-at-a-time loop, 14% of bind_monitor's user CPU.
    std::uint64_t count = 0;
    if (lines.empty())
        return count;
    const char *p = lines.data();
    const char *const end = p + lines.size();
    while (const void *newline = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
        ++count;
        p = static_cast<const char *>(newline) + 1;
    }
    return count;
}

void Sink::count_loss(const char *reason, std::uint64_t events)
{
    lost_ += events;
    last_reason_ = reason;
    for (auto &[known, count] : losses_) {
        if (std::strcmp(known, reason) == 0) {
            count += events;
            return;
        }
    }
    losses_.emplace_back(reason, events);
}

// ---- stdout

void StdoutSink::write_events(std::string_view lines)
{
    if (lines.empty())
        return;
    const std::uint64_t events = count_lines(lines);
    if (writer_.write(lines)) {
        delivered_ += events;
    } else {
        ++errors_;
        count_loss("write_error", events);
    }
}

void StdoutSink::write_record(std::string_view line)
{
    writer_.write(line);
}

// ---- file

FileSink::FileSink(std::string path, std::string tool, std::uint64_t max_size, unsigned max_files, bool gzip)
    : Sink(std::string(file_prefix) + path), path_(std::move(path)), tool_(std::move(tool)), max_size_(max_size),
      max_files_(max_files), gzip_(gzip)
{
    next_open_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    if (!open())
        fail("open_error", errno, 0);
}

bool FileSink::open()
{
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    fd_.reset(fd);
    struct stat st {
    };
    if (::fstat(fd, &st) != 0 || (S_ISREG(st.st_mode) && ::fchmod(fd, 0600) != 0)) {
        const int error = errno;
        fd_.reset();
        errno = error;
        return false;
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
    has_events_ = size_ > 0;
    if (size_ == 0) {
        std::string record;
        append_stream_record(tool_, record);
        if (!append(record)) {
            const int error = errno;
            fd_.reset();
            errno = error;
            return false;
        }
    }
    return true;
}

bool FileSink::ensure_open()
{
    if (fd_)
        return true;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_open_) {
        errno = last_error_;
        return false;
    }
    next_open_ = now + std::chrono::seconds(1);
    return open();
}

bool FileSink::append(std::string_view bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd_.get(), bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            const int error = n < 0 ? errno : EIO;
            // No partial line stays behind: cut the file back to where this write began.
            if (done > 0 && ::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0)
                size_ += done; // could not cut back: the next line starts after the partial one
            errno = error;
            return false;
        }
    }
    size_ += bytes.size();
    return true;
}

void FileSink::fail(const char *reason, int error, std::uint64_t events)
{
    unreported_lost_ += events;
    ++errors_;
    count_loss(reason, events);
    if (error != last_error_) {
        std::fprintf(stderr, "%s: output %s: %s: %s (its events are counted as lost until it works again)\n",
                     tool_.c_str(), name().c_str(),
                     std::strcmp(reason, "open_error") == 0 ? "cannot open" : "cannot write", std::strerror(error));
        last_error_ = error;
    }
}

void FileSink::report_pending_loss()
{
    if (unreported_lost_ == 0)
        return;
    std::string record;
    append_loss_record(tool_, LossStage::output, name(), last_reason_, unreported_lost_, lost_, record);
    if (append(record)) {
        std::fprintf(stderr, "%s: output %s: writing again (lost %llu events, total %llu)\n", tool_.c_str(),
                     name().c_str(), static_cast<unsigned long long>(unreported_lost_),
                     static_cast<unsigned long long>(lost_));
        unreported_lost_ = 0;
        last_error_ = 0;
    }
}

void FileSink::rotate()
{
    fd_.reset();
    const std::string suffix = gzip_ ? ".gz" : "";
    auto backup = [&](unsigned n) { return path_ + "." + std::to_string(n) + suffix; };
    auto check = [&](int status, const char *what) {
        if (status != 0 && errno != ENOENT) {
            std::fprintf(stderr, "%s: output %s: rotating: %s: %s\n", tool_.c_str(), name().c_str(), what,
                         std::strerror(errno));
            ++errors_;
        }
    };
    if (max_files_ == 0) {
        check(::unlink(path_.c_str()), "removing the full file");
    } else {
        check(::unlink(backup(max_files_).c_str()), "removing the oldest file");
        for (unsigned n = max_files_; n > 1; --n)
            check(::rename(backup(n - 1).c_str(), backup(n).c_str()), "renaming a rotated file");
        if (gzip_) {
            if (gzip_file(path_, backup(1)))
                check(::unlink(path_.c_str()), "removing the compressed file");
            else
                check(-1, "compressing");
        } else {
            check(::rename(path_.c_str(), backup(1).c_str()), "renaming the full file");
        }
    }
    ++rotations_;
    // A file that could not be moved away is appended to (past the limit) rather than lost.
    if (!open())
        fail("open_error", errno, 0);
}

void FileSink::write_events(std::string_view lines)
{
    if (lines.empty())
        return;
    if (!ensure_open()) {
        fail("open_error", errno, count_lines(lines));
        return;
    }
    report_pending_loss();
    std::size_t pos = 0;
    while (pos < lines.size()) {
        const std::string_view rest = lines.substr(pos);
        const std::uint64_t room = size_ < max_size_ ? max_size_ - size_ : 0;
        std::size_t take = rest.size();
        if (rest.size() > room) {
            const std::size_t cut = rest.substr(0, static_cast<std::size_t>(room)).rfind('\n');
            take = cut == std::string_view::npos ? 0 : cut + 1;
        }
        if (take == 0) {
            if (has_events_) { // a full file: begin the next one
                rotate();
                if (!fd_) {
                    fail("open_error", errno, count_lines(rest));
                    return;
                }
                continue;
            }
            take = rest.find('\n') + 1; // one line longer than the limit: a file of its own
        }
        const std::string_view chunk = rest.substr(0, take);
        if (!append(chunk)) {
            fail("write_error", errno, count_lines(rest));
            return;
        }
        delivered_ += count_lines(chunk);
        has_events_ = true;
        pos += take;
    }
}

void FileSink::write_record(std::string_view line)
{
    if (ensure_open())
        static_cast<void>(append(line)); // a record that cannot be written is not an event: nothing to count
}

void FileSink::reopen()
{
    fd_.reset();
    if (!open())
        fail("open_error", errno, 0);
}

// ---- all of them

Outputs::Outputs(const OutputOptions &options, const std::string &tool)
{
    const auto max_size = static_cast<std::uint64_t>(options.max_size_mb * 1e6);
    for (const std::string &sink : options.sinks) {
        if (sink == "stdout") {
            if (stdout_ != nullptr)
                throw Error("output stdout: given twice");
            auto out = std::make_unique<StdoutSink>();
            stdout_ = out.get();
            sinks_.push_back(std::move(out));
        } else if (sink.starts_with(file_prefix) && sink.size() > file_prefix.size()) {
            sinks_.push_back(std::make_unique<FileSink>(sink.substr(file_prefix.size()), tool, max_size,
                                                        options.max_files, options.gzip));
        } else if (is_nats_sink(sink)) {
            sinks_.push_back(std::make_unique<NatsSink>(sink, tool, options));
        } else {
            throw Error("output " + sink + ": unknown kind: use stdout, file:PATH or nats://HOST:PORT/SUBJECT");
        }
    }
    if (sinks_.empty()) {
        auto out = std::make_unique<StdoutSink>();
        stdout_ = out.get();
        sinks_.push_back(std::move(out));
    }
}

void Outputs::write_events(std::string &lines)
{
    for (const auto &sink : sinks_)
        sink->write_events(lines);
    lines.clear();
}

void Outputs::write_record(std::string_view line)
{
    for (const auto &sink : sinks_)
        sink->write_record(line);
}

void Outputs::reopen()
{
    for (const auto &sink : sinks_)
        sink->reopen();
}

void Outputs::start()
{
    for (const auto &sink : sinks_)
        sink->start();
}

void Outputs::poll()
{
    for (const auto &sink : sinks_)
        sink->poll();
}

void Outputs::finish(std::chrono::milliseconds timeout)
{
    for (const auto &sink : sinks_)
        sink->finish(timeout);
}

bool Outputs::closed() const
{
    return std::any_of(sinks_.begin(), sinks_.end(), [](const auto &sink) { return sink->closed(); });
}

} // namespace winbpf::monitor
