// SPDX-License-Identifier: MIT
// libFuzzer target: winbpf's object inspection (Object::open_memory: ELF checks, libbpf's open, the hook and section
// scan) on arbitrary bytes, seeded with real winbpf objects. A malformed or truncated object must give winbpf::Error
// with a message, never a crash.
#include "winbpf/error.hpp"
#include "winbpf/object.hpp"

#include <bpf/libbpf.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace
{

int quiet(enum libbpf_print_level, const char *, va_list)
{
    return 0;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    libbpf_set_print(quiet);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    try {
        const winbpf::Object object = winbpf::Object::open_memory(
            std::span<const std::byte>(reinterpret_cast<const std::byte *>(data), size), "fuzz");
        for (const auto &hook : object.hooks())
            static_cast<void>(hook);
        static_cast<void>(object.support_programs());
    } catch (const winbpf::Error &error) {
        if (error.what()[0] == '\0')
            std::abort(); // every error says what is wrong
    }
    return 0;
}
