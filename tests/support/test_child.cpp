// SPDX-License-Identifier: MIT
// winbpf_test_child MODE [ARGS...]: a small, predictable process for the process-hook tests.
//
//   exit N          exit with status N
//   sleep-ms N      sleep N milliseconds, exit 0
//   threads N       start N threads that stay alive, exit from main while they run (one process, N+1 threads)
//   exec-chain N    re-exec itself (/proc/self/exe) with N-1 until N is 0, then exit 0 (N more execs)
//   touch PATH      create PATH (the visible side effect a denied process must not have), exit 0
//   uts-exec NAME   enter a new UTS namespace, set its host name to NAME, re-exec itself with "exit 0"
//   args ...        ignore the arguments, exit 0
// Modes that end in "sleep-ms MS" with another image, for the image path tests (each reads as readlink
// /proc/PID/exe shows it):
//   memfd-exec NAME MS            copy itself into memfd_create(NAME) and exec that (fileless execution)
//   tmpfile-exec DIR MS           copy itself into an O_TMPFILE file of DIR and exec that
//   mount-exec KIND DIR MS        in a mount namespace of its own (private, gone with the process):
//     overlay   exec DIR/merged/child, an overlayfs of DIR/{lower,upper,work} with its copy in lower
//     bind      exec DIR/b/child, its copy in DIR/a bind-mounted on DIR/b
//     chroot    chroot into DIR/root (a recursive bind of /) and exec its own path there
//     pivot     pivot_root into DIR/root (a recursive bind of /), drop the old root, exec its own path
//     deep:N:K  mount a tmpfs on DIR, make N nested directories named K times 'd', exec ./child at the bottom
// Exit status 100 on a usage error, 101 when an operation fails.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <latch>
#include <sched.h>
#include <string>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace
{

constexpr int usage_error = 100;
constexpr int operation_failed = 101;

bool parse_number(const char *text, long &value)
{
    char *end = nullptr;
    errno = 0;
    value = std::strtol(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && value >= 0;
}

int run_threads(long count)
{
    std::latch started(count);
    for (long i = 0; i < count; ++i)
        std::thread([&started] {
            started.count_down();
            std::this_thread::sleep_for(std::chrono::seconds(30));
        }).detach();
    started.wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::exit(0); // exit_group: every thread dies with the process
}

int run_exec_chain(const char *argv0, long remaining)
{
    if (remaining == 0)
        return 0;
    const std::string next = std::to_string(remaining - 1);
    char *const args[] = {const_cast<char *>(argv0), const_cast<char *>("exec-chain"), const_cast<char *>(next.c_str()),
                          nullptr};
    execv("/proc/self/exe", args);
    std::perror("winbpf_test_child: execv");
    return operation_failed;
}

int run_touch(const char *path)
{
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        std::perror("winbpf_test_child: open");
        return operation_failed;
    }
    close(fd);
    return 0;
}

int run_uts_exec(const char *argv0, const char *host_name)
{
    if (unshare(CLONE_NEWUTS) != 0 || sethostname(host_name, std::strlen(host_name)) != 0) {
        std::perror("winbpf_test_child: unshare/sethostname");
        return operation_failed;
    }
    char *const args[] = {const_cast<char *>(argv0), const_cast<char *>("exit"), const_cast<char *>("0"), nullptr};
    execv("/proc/self/exe", args);
    std::perror("winbpf_test_child: execv");
    return operation_failed;
}

int fail(const char *what)
{
    std::perror(what);
    return operation_failed;
}

/// Copies this executable (/proc/self/exe) into fd; false on failure.
bool copy_self(int fd)
{
    const int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return false;
    struct stat st {
    };
    bool ok = fstat(self, &st) == 0;
    off_t offset = 0;
    while (ok && offset < st.st_size)
        ok = sendfile(fd, self, &offset, static_cast<std::size_t>(st.st_size - offset)) > 0;
    close(self);
    return ok;
}

/// Copies this executable to path (mode 0755); false on failure.
bool copy_self_to(const std::string &path)
{
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (fd < 0)
        return false;
    const bool ok = copy_self(fd);
    return close(fd) == 0 && ok;
}

/// execveat(dirfd, path, {argv0, "sleep-ms", ms}, flags); returns only on failure.
int exec_sleep_at(int dirfd, const char *path, const char *argv0, const char *ms, int flags)
{
    char *const args[] = {const_cast<char *>(argv0), const_cast<char *>("sleep-ms"), const_cast<char *>(ms), nullptr};
    syscall(SYS_execveat, dirfd, path, args, environ, flags);
    return fail("winbpf_test_child: execveat");
}

int run_memfd_exec(const char *argv0, const char *name, const char *ms)
{
    const int fd = memfd_create(name, 0);
    if (fd < 0 || !copy_self(fd))
        return fail("winbpf_test_child: memfd_create/copy");
    return exec_sleep_at(fd, "", argv0, ms, AT_EMPTY_PATH);
}

int run_tmpfile_exec(const char *argv0, const char *dir, const char *ms)
{
    const int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0700);
    if (fd < 0 || !copy_self(fd))
        return fail("winbpf_test_child: O_TMPFILE/copy");
    // No writer may remain for the exec (ETXTBSY): reopen read-only, then close the writable descriptor.
    const std::string proc_fd = "/proc/self/fd/" + std::to_string(fd);
    const int exe = open(proc_fd.c_str(), O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return fail("winbpf_test_child: reopen");
    close(fd);
    return exec_sleep_at(exe, "", argv0, ms, AT_EMPTY_PATH);
}

int run_mount_exec(const char *argv0, const std::string &kind, const std::string &dir, const char *ms)
{
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return fail("winbpf_test_child: unshare/private");
    char self[4096];
    const ssize_t self_size = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (self_size <= 0)
        return fail("winbpf_test_child: readlink");
    self[self_size] = '\0';

    if (kind == "overlay") {
        for (const char *sub : {"/lower", "/upper", "/work", "/merged"})
            if (mkdir((dir + sub).c_str(), 0755) != 0)
                return fail("winbpf_test_child: mkdir");
        if (!copy_self_to(dir + "/lower/child"))
            return fail("winbpf_test_child: copy");
        const std::string options = "lowerdir=" + dir + "/lower,upperdir=" + dir + "/upper,workdir=" + dir + "/work";
        if (mount("overlay", (dir + "/merged").c_str(), "overlay", 0, options.c_str()) != 0)
            return fail("winbpf_test_child: mount overlay");
        return exec_sleep_at(AT_FDCWD, (dir + "/merged/child").c_str(), argv0, ms, 0);
    }
    if (kind == "bind") {
        if (mkdir((dir + "/a").c_str(), 0755) != 0 || mkdir((dir + "/b").c_str(), 0755) != 0 ||
            !copy_self_to(dir + "/a/child"))
            return fail("winbpf_test_child: mkdir/copy");
        if (mount((dir + "/a").c_str(), (dir + "/b").c_str(), nullptr, MS_BIND, nullptr) != 0)
            return fail("winbpf_test_child: bind mount");
        return exec_sleep_at(AT_FDCWD, (dir + "/b/child").c_str(), argv0, ms, 0);
    }
    if (kind == "chroot" || kind == "pivot") {
        const std::string root = dir + "/root";
        if (mkdir(root.c_str(), 0755) != 0 || mount("/", root.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
            return fail("winbpf_test_child: bind /");
        if (chdir(root.c_str()) != 0)
            return fail("winbpf_test_child: chdir");
        if (kind == "chroot") {
            if (chroot(".") != 0)
                return fail("winbpf_test_child: chroot");
        } else if (syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0) {
            return fail("winbpf_test_child: pivot_root");
        }
        if (chdir("/") != 0)
            return fail("winbpf_test_child: chdir /");
        return exec_sleep_at(AT_FDCWD, self, argv0, ms, 0);
    }
    unsigned levels = 0, length = 0;
    if (std::sscanf(kind.c_str(), "deep:%u:%u", &levels, &length) == 2 && length >= 1 && length <= 255) {
        if (mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=16m") != 0 || chdir(dir.c_str()) != 0)
            return fail("winbpf_test_child: tmpfs");
        const std::string name(length, 'd');
        for (unsigned i = 0; i < levels; ++i)
            if (mkdir(name.c_str(), 0755) != 0 || chdir(name.c_str()) != 0)
                return fail("winbpf_test_child: mkdir/chdir");
        if (!copy_self_to("child"))
            return fail("winbpf_test_child: copy");
        return exec_sleep_at(AT_FDCWD, "./child", argv0, ms, 0);
    }
    return usage_error;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(
            stderr,
            "usage: %s exit N | sleep-ms N | threads N | exec-chain N | touch PATH | uts-exec NAME | args ...\n",
            argv[0]);
        return usage_error;
    }
    const std::string mode = argv[1];
    if (mode == "args")
        return 0;
    if (mode == "memfd-exec" && argc == 4)
        return run_memfd_exec(argv[0], argv[2], argv[3]);
    if (mode == "tmpfile-exec" && argc == 4)
        return run_tmpfile_exec(argv[0], argv[2], argv[3]);
    if (mode == "mount-exec" && argc == 5)
        return run_mount_exec(argv[0], argv[2], argv[3], argv[4]);
    if (argc != 3)
        return usage_error;
    if (mode == "touch")
        return run_touch(argv[2]);
    if (mode == "uts-exec")
        return run_uts_exec(argv[0], argv[2]);
    long value = 0;
    if (!parse_number(argv[2], value))
        return usage_error;
    if (mode == "exit")
        return static_cast<int>(value & 0xff);
    if (mode == "sleep-ms") {
        std::this_thread::sleep_for(std::chrono::milliseconds(value));
        return 0;
    }
    if (mode == "threads")
        return value > 0 ? run_threads(value) : usage_error;
    if (mode == "exec-chain")
        return run_exec_chain(argv[0], value);
    return usage_error;
}
