// SPDX-License-Identifier: MIT
// Account names for bpf_process_get_account_name: the passwd database, loaded into winbpf_accounts.
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <pwd.h>

namespace winbpf::detail
{

std::u16string utf8_to_utf16(std::string_view text, std::size_t max_units)
{
    std::u16string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
        unsigned char c = byte(i);
        char32_t cp = 0xFFFD;
        std::size_t len = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
        }
        if (len > 1) {
            bool valid = i + len <= text.size();
            char32_t value = c & (0x7F >> len);
            for (std::size_t k = 1; valid && k < len; ++k) {
                valid = (byte(i + k) & 0xC0) == 0x80;
                value = (value << 6) | (byte(i + k) & 0x3F);
            }
            static constexpr char32_t min_value[] = {0, 0, 0x80, 0x800, 0x10000};
            if (valid && value >= min_value[len] && value <= 0x10FFFF && !(value >= 0xD800 && value <= 0xDFFF)) {
                cp = value;
            } else {
                len = 1; // skip one byte, emit U+FFFD
            }
        }
        std::size_t units = cp >= 0x10000 ? 2 : 1;
        if (out.size() + units > max_units)
            break;
        if (units == 2) {
            cp -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
        i += len;
    }
    return out;
}

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
