// SPDX-License-Identifier: MIT
#include "children.hpp"

#include "winbpf/unique_fd.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <regex>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace winbpf::bench
{

namespace
{

/// Runs in the forked child: only async-signal-safe calls. Reports a failure's errno through report_fd.
[[noreturn]] void exec_child(pid_t parent, char *const *argv, const StdFds &fds, int cgroup_procs, int report_fd)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_fd = open("/dev/null", O_RDWR);
    const int wanted[3] = {fds.in, fds.out, fds.err};
    for (int target = 0; target < 3; ++target)
        dup2(wanted[target] >= 0 ? wanted[target] : null_fd, target);
    if (cgroup_procs < 0 || write(cgroup_procs, "0", 1) == 1) // "0": the writing process
        execv(argv[0], argv);
    const int err = errno;
    [[maybe_unused]] const ssize_t written = write(report_fd, &err, sizeof err);
    _exit(127);
}

} // namespace

ChildProcess ChildProcess::spawn(const std::vector<std::string> &argv, const StdFds &fds, int cgroup_procs)
{
    std::vector<char *> args;
    for (const std::string &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);

    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    UniqueFd report_read(report[0]);
    UniqueFd report_write(report[1]);

    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0)
        exec_child(parent, args.data(), fds, cgroup_procs, report_write.get());

    ChildProcess child(pid);
    report_write.reset();
    int exec_errno = 0;
    if (read(report_read.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
        child.wait_for(std::chrono::seconds(5));
        throw std::system_error(exec_errno, std::generic_category(),
                                (cgroup_procs >= 0 ? "move to cgroup and exec " : "exec ") + argv.front());
    }
    return child;
}

ChildProcess::ChildProcess(ChildProcess &&other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt))
{
}

ChildProcess::~ChildProcess()
{
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

bool ChildProcess::try_reap()
{
    if (status_ || pid_ <= 0)
        return true;
    int status = 0;
    const pid_t got = waitpid(pid_, &status, WNOHANG);
    if (got == pid_)
        status_ = status;
    return got == pid_;
}

bool ChildProcess::running()
{
    return !try_reap();
}

void ChildProcess::signal(int sig)
{
    if (running())
        ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!try_reap() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return status_;
}

std::optional<int> ChildProcess::wait_until_signal()
{
    if (status_ || pid_ <= 0)
        return status_;
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_)
        status_ = status;
    return status_;
}

std::string describe_status(int status)
{
    if (WIFEXITED(status))
        return "exited " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const char *name = sigabbrev_np(WTERMSIG(status));
        return std::string("killed by SIG") + (name ? name : std::to_string(WTERMSIG(status)).c_str());
    }
    return "status " + std::to_string(status);
}

PipeReader::PipeReader(std::size_t text_limit) : text_limit_(text_limit)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    read_.reset(fds[0]);
    write_.reset(fds[1]);
    fcntl(fds[0], F_SETPIPE_SZ, 1 << 20); // fewer wake-ups of the tool; best effort
}

PipeReader::~PipeReader() = default;

void PipeReader::start()
{
    write_.reset();
    thread_ = std::jthread([this](std::stop_token stop) { drain(stop); });
}

void PipeReader::drain(std::stop_token stop)
{
    std::array<char, 64 * 1024> buffer{};
    while (!stop.stop_requested()) {
        pollfd entry{read_.get(), POLLIN, 0};
        const int ready = poll(&entry, 1, 100);
        if (ready < 0 && errno != EINTR)
            break;
        if (ready <= 0)
            continue;
        const ssize_t got = read(read_.get(), buffer.data(), buffer.size());
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            break;
        const auto newlines = static_cast<std::uint64_t>(std::count(buffer.data(), buffer.data() + got, '\n'));
        const std::lock_guard lock(mutex_);
        lines_ += newlines;
        if (text_.size() < text_limit_)
            text_.append(buffer.data(), std::min(static_cast<std::size_t>(got), text_limit_ - text_.size()));
        changed_.notify_all();
    }
    const std::lock_guard lock(mutex_);
    eof_ = true;
    changed_.notify_all();
}

bool PipeReader::wait_for_text(std::string_view needle, std::chrono::steady_clock::time_point deadline)
{
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return eof_ || text_.find(needle) != std::string::npos; });
    return text_.find(needle) != std::string::npos;
}

bool PipeReader::wait_for_eof(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return eof_; });
}

std::string PipeReader::text() const
{
    const std::lock_guard lock(mutex_);
    return text_;
}

std::uint64_t PipeReader::lines() const
{
    const std::lock_guard lock(mutex_);
    return lines_;
}

namespace
{

/// prog_id and whether the descriptor is a link, from one fdinfo file.
struct FdInfo {
    std::uint32_t prog_id = 0;
    bool link = false;
};

FdInfo read_fdinfo(const std::filesystem::path &path)
{
    FdInfo info;
    std::ifstream file(path);
    std::string key;
    std::string value;
    while (file >> key && std::getline(file, value)) {
        if (key == "prog_id:")
            info.prog_id = static_cast<std::uint32_t>(std::stoul(value));
        else if (key == "link_id:")
            info.link = true;
    }
    return info;
}

} // namespace

std::set<std::uint32_t> BpfHoldings::all_programs() const
{
    std::set<std::uint32_t> all = programs;
    all.insert(linked_programs.begin(), linked_programs.end());
    return all;
}

bool BpfHoldings::attached() const
{
    return links > 0 && std::ranges::all_of(programs, [&](std::uint32_t id) { return linked_programs.contains(id); });
}

BpfHoldings scan_bpf_holdings(pid_t pid)
{
    BpfHoldings holdings;
    std::error_code error;
    const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/fdinfo";
    for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
        const FdInfo info = read_fdinfo(entry.path());
        if (info.prog_id == 0)
            continue;
        if (info.link) {
            ++holdings.links;
            holdings.linked_programs.insert(info.prog_id);
        } else {
            holdings.programs.insert(info.prog_id);
        }
    }
    return holdings;
}

std::chrono::nanoseconds process_cpu_time(pid_t pid)
{
    clockid_t clock = 0;
    timespec now{};
    if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &now) == 0)
        return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
    return proc_stat_cpu_time(pid);
}

std::chrono::nanoseconds proc_stat_cpu_time(pid_t pid)
{
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(file, line))
        return {};
    // Fields after "(comm)", which may itself contain spaces: state is field 3, utime 14, stime 15.
    const std::size_t close = line.rfind(')');
    if (close == std::string::npos)
        return {};
    std::istringstream fields(line.substr(close + 2));
    std::string skip;
    for (int field = 3; field < 14; ++field)
        fields >> skip;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    if (!(fields >> utime >> stime))
        return {};
    const long ticks_per_second = sysconf(_SC_CLK_TCK);
    return std::chrono::nanoseconds((utime + stime) * 1'000'000'000ULL /
                                    static_cast<unsigned long long>(ticks_per_second));
}

std::optional<ToolSummary> parse_summary(std::string_view stderr_text)
{
    static const std::regex pattern(R"(received ([0-9]+), lost ([0-9]+))");
    const std::string text(stderr_text);
    std::optional<ToolSummary> last;
    for (auto match = std::sregex_iterator(text.begin(), text.end(), pattern); match != std::sregex_iterator(); ++match)
        last = ToolSummary{std::stoull((*match)[1]), std::stoull((*match)[2])};
    return last;
}

namespace
{

std::atomic<bool> interrupt_flag{false};

void on_signal(int)
{
    interrupt_flag.store(true);
}

} // namespace

InterruptGuard::InterruptGuard()
{
    struct sigaction action {
    };
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
}

InterruptGuard::~InterruptGuard()
{
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
}

bool interrupted() noexcept
{
    return interrupt_flag.load();
}

void throw_if_interrupted()
{
    if (interrupted())
        throw Interrupted();
}

} // namespace winbpf::bench
