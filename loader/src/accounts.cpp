// SPDX-License-Identifier: MIT
// Account names for bpf_process_get_account_name: the passwd database, loaded into winbpf_accounts.
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/utf16.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <pwd.h>

namespace winbpf::detail
{

void fill_accounts(bpf_map *accounts, const std::string &object_name)
{
    int fd = bpf_map__fd(accounts);
    setpwent();
    int failure = 0;
    while (passwd *entry = getpwent()) {
        std::u16string name = utf8_to_utf16(entry->pw_name, WINBPF_ACCOUNT_NAME_MAX);
        winbpf_account value{};
        value.length = static_cast<__u32>(name.size() * 2);
        for (std::size_t k = 0; k < name.size(); ++k) {
            // Stored little-endian as the shim copies the bytes out unchanged.
            auto unit = static_cast<std::uint16_t>(name[k]);
            auto *bytes = reinterpret_cast<unsigned char *>(&value.name[k]);
            bytes[0] = static_cast<unsigned char>(unit & 0xFF);
            bytes[1] = static_cast<unsigned char>(unit >> 8);
        }
        __u32 uid = entry->pw_uid;
        // The first passwd entry of a uid wins (as getpwuid would return it).
        if (bpf_map_update_elem(fd, &uid, &value, BPF_NOEXIST) != 0 && errno != EEXIST) {
            failure = errno;
            break;
        }
    }
    endpwent();
    if (failure == E2BIG)
        return; // map full: the remaining users resolve to -ENOENT (documented limit of winbpf_accounts)
    if (failure != 0)
        throw Error(object_name + ": writing map " WINBPF_MAP_ACCOUNTS ": " + errno_text(failure), failure);
}

} // namespace winbpf::detail
