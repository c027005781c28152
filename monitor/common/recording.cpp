// SPDX-License-Identifier: MIT
#include "common/recording.hpp"

#include "winbpf/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace winbpf::monitor
{
namespace
{

constexpr std::size_t header_size = 8 + 4 + 4 + 8;
constexpr std::size_t write_threshold = 64 * 1024;

void put_le(std::string &out, std::uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint64_t get_le(const std::string &in, std::size_t at, int bytes)
{
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i)
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
    return value;
}

[[noreturn]] void fail(const std::string &path, const std::string &what, int error = 0)
{
    throw Error("recording " + path + ": " + what, error);
}

std::string read_file(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        fail(path, std::strerror(errno), errno);
    std::string bytes;
    char chunk[64 * 1024];
    for (;;) {
        const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
        if (n == 0)
            return bytes;
        if (n > 0)
            bytes.append(chunk, static_cast<std::size_t>(n));
        else if (errno != EINTR)
            fail(path, std::strerror(errno), errno);
    }
}

/// Opens path for a new recording: created with mode 0600, or an existing regular file that is empty or a recording,
/// truncated and set to mode 0600 (a recording holds command lines). Refuses a symbolic link (O_NOFOLLOW) and any
/// other existing file, which stays untouched. Other file types (a FIFO, /dev/null) are written as they are.
UniqueFd open_for_recording(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd && errno == EACCES) // write-only FIFOs and devices: nothing to check in them
        fd = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) {
        if (errno == ELOOP)
            fail(path, "is a symbolic link: not following it (name the file itself)", ELOOP);
        fail(path, std::strerror(errno), errno);
    }
    struct stat st {
    };
    if (::fstat(fd.get(), &st) != 0)
        fail(path, std::strerror(errno), errno);
    if (!S_ISREG(st.st_mode))
        return fd;
    if (st.st_size > 0) {
        char magic[8] = {};
        if (::pread(fd.get(), magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic) ||
            std::string_view(magic, sizeof magic) != recording_magic)
            fail(path, "exists and is not a winbpf recording: not overwriting it", EEXIST);
    }
    if ((st.st_mode & 07777) != 0600 && ::fchmod(fd.get(), 0600) != 0)
        fail(path, std::string("setting mode 0600: ") + std::strerror(errno), errno);
    if (::ftruncate(fd.get(), 0) != 0)
        fail(path, std::strerror(errno), errno);
    return fd;
}

} // namespace

Recording read_recording(const std::string &path)
{
    const std::string bytes = read_file(path);
    if (bytes.size() < recording_magic.size() || std::string_view(bytes).substr(0, 8) != recording_magic)
        fail(path, "not a winbpf recording (no \"WINBPFRC\" header)", EINVAL);
    if (bytes.size() < header_size)
        fail(path, "header cut short (" + std::to_string(bytes.size()) + " bytes)", EINVAL);
    const auto version = static_cast<std::uint32_t>(get_le(bytes, 8, 4));
    if (version != recording_version)
        fail(path, "version " + std::to_string(version) + " (this build reads version 1)", EINVAL);
    const auto tool_size = get_le(bytes, 12, 4);
    if (tool_size > bytes.size() - header_size)
        fail(path, "header cut short (tool name of " + std::to_string(tool_size) + " bytes)", EINVAL);

    Recording recording;
    recording.realtime_minus_boottime_ns = static_cast<std::int64_t>(get_le(bytes, 16, 8));
    recording.tool = bytes.substr(header_size, tool_size);
    std::size_t at = header_size + tool_size;
    while (at < bytes.size()) {
        const std::size_t left = bytes.size() - at;
        const std::string where =
            "record " + std::to_string(recording.records.size() + 1) + " at byte " + std::to_string(at) + ": ";
        if (left < 4) {
            recording.damage = where + "size cut short (" + std::to_string(left) + " bytes left)";
            break;
        }
        const auto size = get_le(bytes, at, 4);
        if (size > left - 4) {
            recording.damage = where + std::to_string(size) + " bytes announced, " + std::to_string(left - 4) + " left";
            break;
        }
        const auto *first = reinterpret_cast<const std::byte *>(bytes.data() + at + 4);
        recording.records.emplace_back(first, first + size);
        at += 4 + size;
    }
    return recording;
}

RecordingWriter::RecordingWriter(const std::string &path, std::string_view tool,
                                 std::int64_t realtime_minus_boottime_ns)
    : path_(path), fd_(open_for_recording(path)), writer_(fd_.get())
{
    buffer_.reserve(2 * write_threshold);
    buffer_.append(recording_magic);
    put_le(buffer_, recording_version, 4);
    put_le(buffer_, tool.size(), 4);
    put_le(buffer_, static_cast<std::uint64_t>(realtime_minus_boottime_ns), 8);
    buffer_.append(tool);
    flush();
}

void RecordingWriter::append(std::span<const std::byte> record)
{
    put_le(buffer_, record.size(), 4);
    buffer_.append(reinterpret_cast<const char *>(record.data()), record.size());
    if (buffer_.size() >= write_threshold)
        writer_.flush(buffer_);
}

void RecordingWriter::flush()
{
    writer_.flush(buffer_);
    if (writer_.error() != 0)
        fail(path_, std::strerror(writer_.error()), writer_.error());
}

} // namespace winbpf::monitor
