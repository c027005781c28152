// SPDX-License-Identifier: MIT
#include "common/privileges.hpp"

#include <cctype>
#include <cerrno>
#include <memory>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace winbpf::monitor
{
namespace
{

struct CapFree {
    void operator()(void *p) const noexcept { cap_free(p); }
};
using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

CapState current_caps()
{
    CapState caps(cap_get_proc());
    if (!caps)
        throw std::system_error(errno, std::generic_category(), "cap_get_proc");
    return caps;
}

/// A state holding exactly caps in the effective and permitted sets.
CapState caps_of(const std::vector<cap_value_t> &caps)
{
    CapState state(cap_init());
    if (!state)
        throw std::system_error(errno, std::generic_category(), "cap_init");
    if (!caps.empty() &&
        (cap_set_flag(state.get(), CAP_EFFECTIVE, static_cast<int>(caps.size()), caps.data(), CAP_SET) != 0 ||
         cap_set_flag(state.get(), CAP_PERMITTED, static_cast<int>(caps.size()), caps.data(), CAP_SET) != 0))
        throw std::system_error(errno, std::generic_category(), "cap_set_flag");
    return state;
}

void set_exactly(const std::vector<cap_value_t> &caps)
{
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        throw std::system_error(errno, std::generic_category(), "clearing the ambient capabilities");
    const CapState state = caps_of(caps);
    if (cap_set_proc(state.get()) != 0)
        throw std::system_error(errno, std::generic_category(), "cap_set_proc");
}

} // namespace

std::string capability_names(const std::vector<cap_value_t> &caps)
{
    std::string text;
    for (cap_value_t cap : caps) {
        std::unique_ptr<char, CapFree> name(cap_to_name(cap));
        std::string upper = name ? name.get() : std::to_string(cap);
        for (char &c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        text += (text.empty() ? "" : ", ") + upper;
    }
    return text;
}

std::vector<cap_value_t> missing_capabilities(const std::vector<cap_value_t> &needed)
{
    const CapState caps = current_caps();
    std::vector<cap_value_t> missing;
    for (cap_value_t cap : needed) {
        cap_flag_value_t value = CAP_CLEAR;
        if (cap_get_flag(caps.get(), cap, CAP_EFFECTIVE, &value) != 0 || value != CAP_SET)
            missing.push_back(cap);
    }
    return missing;
}

void limit_capabilities(const std::vector<cap_value_t> &needed)
{
    set_exactly(needed);
}

void drop_capabilities(const std::vector<cap_value_t> &keep)
{
    set_exactly(keep);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        throw std::system_error(errno, std::generic_category(), "prctl(PR_SET_NO_NEW_PRIVS)");
}

bool works_without_capabilities(const std::function<bool()> &check)
{
    const pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        bool ok = false;
        try {
            set_exactly({});
            ok = check();
        } catch (...) {
        }
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace winbpf::monitor
