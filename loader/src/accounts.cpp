// SPDX-License-Identifier: MIT
// Account names for bpf_process_get_account_name: the passwd database, loaded into winbpf_accounts.
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/utf16.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <pwd.h>

namespace winbpf::detail
{

bool place_account(std::vector<winbpf_account> &slots, __u32 uid, const char *name)
{
    std::u16string units = utf8_to_utf16(name, WINBPF_ACCOUNT_NAME_MAX);
    if (units.empty() || slots.size() != WINBPF_ACCOUNT_SLOTS)
        return false;
    for (__u32 k = 0; k < WINBPF_ACCOUNT_PROBES; ++k) {
        winbpf_account &slot = slots[(uid + k) % WINBPF_ACCOUNT_SLOTS];
        if (slot.length != 0 && slot.uid == uid)
            return true; // the first passwd entry of a uid wins
        if (slot.length != 0)
            continue;
        slot.uid = uid;
        slot.length = static_cast<__u32>(units.size() * 2);
        for (std::size_t i = 0; i < units.size(); ++i) {
            // Stored little-endian as the shim copies the bytes out unchanged.
            auto unit = static_cast<std::uint16_t>(units[i]);
            auto *bytes = reinterpret_cast<unsigned char *>(&slot.name[i]);
            bytes[0] = static_cast<unsigned char>(unit & 0xFF);
            bytes[1] = static_cast<unsigned char>(unit >> 8);
        }
        return true;
    }
    return false;
}

void fill_accounts(bpf_map *accounts, const std::string &object_name)
{
    std::vector<winbpf_account> slots(WINBPF_ACCOUNT_SLOTS);
    setpwent();
    while (passwd *entry = getpwent())
        place_account(slots, entry->pw_uid, entry->pw_name); // a uid without a free slot resolves to -ENOENT
    endpwent();

    int fd = bpf_map__fd(accounts);
    for (__u32 index = 0; index < slots.size(); ++index) {
        if (slots[index].length == 0)
            continue;
        if (bpf_map_update_elem(fd, &index, &slots[index], BPF_ANY) != 0) {
            int err = errno;
            throw Error(object_name + ": writing map " WINBPF_MAP_ACCOUNTS ": " + errno_text(err), err);
        }
    }
}

} // namespace winbpf::detail
