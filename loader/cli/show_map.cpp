// SPDX-License-Identifier: MIT
// `winbpf show map ID|NAME [--watch SECONDS]`: a map's entries, keys and values printed by their BTF types through
// libbpf's btf_dump (struct fields by name, char arrays as text); byte arrays holding UTF-16LE text (app ids, paths)
// are also shown as text.
#include "commands.hpp"
#include "table.hpp"

#include "winbpf/btf_ptr.hpp"
#include "winbpf/error.hpp"
#include "winbpf/inventory.hpp"
#include "winbpf/unique_fd.hpp"
#include "winbpf/utf16.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <thread>

namespace winbpf::cli
{

namespace
{

struct BtfDumpFree {
    void operator()(btf_dump *d) const { btf_dump__free(d); }
};

// btf_dump's printf callback: appends to the std::string given as context.
void append_text(void *context, const char *format, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int n = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (n <= 0)
        return;
    std::string piece(static_cast<std::size_t>(n) + 1, '\0');
    std::vsnprintf(piece.data(), piece.size(), format, args);
    piece.resize(static_cast<std::size_t>(n));
    static_cast<std::string *>(context)->append(piece);
}

std::string hex(const std::byte *data, std::size_t size)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    for (std::size_t i = 0; i < size; ++i) {
        auto b = static_cast<unsigned>(data[i]);
        text += (i ? " " : "");
        text += digits[b >> 4];
        text += digits[b & 15];
    }
    return text;
}

// UTF-16LE text in bytes (app ids, command lines): at least two printable characters up to a NUL or the end, every
// unit below U+D800 and no control characters; else empty.
std::string utf16_text(const std::byte *data, std::size_t size)
{
    std::size_t units = 0;
    for (; units * 2 + 1 < size; ++units) {
        unsigned unit = static_cast<unsigned>(data[units * 2]) | (static_cast<unsigned>(data[units * 2 + 1]) << 8);
        if (unit == 0)
            break;
        if (unit < 0x20 || (unit >= 0x7f && unit < 0xa0) || unit >= 0xd800)
            return {};
    }
    if (units < 2)
        return {};
    std::string text;
    utf16le_to_utf8(std::span(data, units * 2), text);
    return text;
}

// Byte arrays of a type (itself, or the members of a struct) that hold UTF-16LE text: "name: \"text\"" each.
std::vector<std::string> utf16_members(const btf *types, std::uint32_t type_id, const std::byte *data, std::size_t size)
{
    std::vector<std::string> found;
    auto byte_array = [&](std::uint32_t id, std::uint32_t &length) {
        const btf_type *t = btf__type_by_id(types, btf__resolve_type(types, id));
        if (!t || !btf_is_array(t))
            return false;
        const struct btf_array *array = btf_array(t);
        const btf_type *element = btf__type_by_id(types, btf__resolve_type(types, array->type));
        length = array->nelems;
        return element && btf_is_int(element) && element->size == 1;
    };
    std::uint32_t length = 0;
    if (byte_array(type_id, length) && length <= size) {
        if (std::string text = utf16_text(data, length); !text.empty())
            found.push_back("(UTF-16LE) \"" + text + "\"");
        return found;
    }
    const btf_type *t = btf__type_by_id(types, btf__resolve_type(types, type_id));
    if (!t || !btf_is_struct(t))
        return found;
    const btf_member *member = btf_members(t);
    for (unsigned i = 0; i < btf_vlen(t); ++i, ++member) {
        const std::size_t offset = btf_member_bit_offset(t, i) / 8;
        if (byte_array(member->type, length) && offset + length <= size)
            if (std::string text = utf16_text(data + offset, length); !text.empty())
                found.push_back("." + std::string(btf__name_by_offset(types, member->name_off)) + " (UTF-16LE) \"" +
                                text + "\"");
    }
    return found;
}

// One key or value as text: btf_dump's typed form when the map has BTF for it, else hex bytes.
std::string typed(btf_dump *dump, const btf *types, std::uint32_t type_id, const std::byte *data, std::size_t size,
                  std::string &out)
{
    out.clear();
    if (!dump || type_id == 0)
        return hex(data, size);
    LIBBPF_OPTS(btf_dump_type_data_opts, opts, .compact = true, .emit_zeroes = true);
    int err = btf_dump__dump_type_data(dump, type_id, data, size, &opts);
    if (err < 0)
        return hex(data, size);
    std::string text = out;
    for (const std::string &extra : utf16_members(types, type_id, data, size))
        text += "  " + extra;
    return text;
}

// The unsigned little-endian integer of size bytes at data (size <= 8).
std::uint64_t little_endian(const std::byte *data, std::size_t size)
{
    std::uint64_t value = 0;
    for (std::size_t i = size; i-- > 0;)
        value = value << 8 | static_cast<std::uint64_t>(data[i]);
    return value;
}

// An integer of bits bits from bit bit_offset of data (bitfields included), sign-extended when is_signed.
nlohmann::json integer(const std::byte *data, std::size_t bit_offset, std::size_t bits, bool is_signed)
{
    const std::size_t bytes = (bit_offset % 8 + bits + 7) / 8;
    std::uint64_t value = little_endian(data + bit_offset / 8, std::min<std::size_t>(bytes, 8)) >> (bit_offset % 8);
    if (bits < 64)
        value &= (std::uint64_t{1} << bits) - 1;
    if (is_signed && bits < 64 && (value >> (bits - 1)) & 1)
        value |= ~((std::uint64_t{1} << bits) - 1);
    return is_signed ? nlohmann::json(static_cast<std::int64_t>(value)) : nlohmann::json(value);
}

// A value of BTF type type_id at data (size bytes available) as JSON, as `bpftool -j map dump` formats BTF maps:
// integers and enums as numbers, bool as true/false, char arrays holding text as strings, other arrays as arrays,
// structs, unions and sections (global data) as objects by member name (anonymous members' fields merged in);
// integers over 64 bits and what BTF cannot type as a hex string. bit_offset/bits: a bitfield member.
nlohmann::json typed_json(const btf *types, std::uint32_t type_id, const std::byte *data, std::size_t size,
                          std::size_t bit_offset = 0, std::size_t bits = 0)
{
    const std::uint32_t resolved = type_id ? static_cast<std::uint32_t>(btf__resolve_type(types, type_id)) : 0;
    const btf_type *t = resolved ? btf__type_by_id(types, resolved) : nullptr;
    const long long type_size = t ? btf__resolve_size(types, resolved) : -1;
    if (!t || (type_size > 0 && bit_offset / 8 + (bits ? 0 : static_cast<std::size_t>(type_size)) > size))
        return hex(data + std::min(bit_offset / 8, size), size - std::min(bit_offset / 8, size));
    if (btf_is_int(t)) {
        const std::uint32_t encoding = btf_int_encoding(t);
        const std::size_t width = bits ? bits : btf_int_bits(t);
        const std::size_t offset = bit_offset + btf_int_offset(t);
        if (width > 64)
            return "0x" + hex(data + offset / 8, width / 8);
        if (encoding & BTF_INT_BOOL)
            return integer(data, offset, width, false) != 0;
        return integer(data, offset, width, encoding & BTF_INT_SIGNED);
    }
    if (btf_is_enum(t) || btf_is_enum64(t) || btf_is_ptr(t)) {
        const bool is_signed = (btf_is_enum(t) || btf_is_enum64(t)) && btf_kflag(t);
        return integer(data, bit_offset, bits ? bits : static_cast<std::size_t>(type_size) * 8, is_signed);
    }
    if (btf_is_float(t)) {
        if (type_size == sizeof(double)) {
            double d;
            std::memcpy(&d, data + bit_offset / 8, sizeof(d));
            return d;
        }
        if (type_size == sizeof(float)) {
            float f;
            std::memcpy(&f, data + bit_offset / 8, sizeof(f));
            return f;
        }
        return hex(data + bit_offset / 8, static_cast<std::size_t>(type_size));
    }
    const std::byte *base = data + bit_offset / 8;
    if (btf_is_array(t)) {
        const struct btf_array *array = btf_array(t);
        const std::uint32_t element_id = static_cast<std::uint32_t>(btf__resolve_type(types, array->type));
        const btf_type *element = btf__type_by_id(types, element_id);
        const long long element_size = btf__resolve_size(types, element_id);
        if (element && btf_is_int(element) && element_size == 1 && (btf_int_encoding(element) & BTF_INT_CHAR)) {
            // char[]: text up to the first NUL when it is printable, else the numbers.
            std::string text;
            std::size_t i = 0;
            for (; i < array->nelems && base[i] != std::byte{0}; ++i)
                text += static_cast<char>(base[i]);
            if (std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c != 0x7f; }))
                return text;
        }
        nlohmann::json items = nlohmann::json::array();
        for (std::uint32_t i = 0; element_size > 0 && i < array->nelems; ++i)
            items.push_back(
                typed_json(types, element_id, base + i * element_size, size - bit_offset / 8 - i * element_size));
        return items;
    }
    if (btf_is_struct(t) || btf_is_union(t)) {
        nlohmann::json object = nlohmann::json::object();
        const btf_member *member = btf_members(t);
        for (unsigned i = 0; i < btf_vlen(t); ++i, ++member) {
            const std::size_t member_bits = btf_member_bitfield_size(t, i);
            nlohmann::json value =
                typed_json(types, member->type, base, size - bit_offset / 8, btf_member_bit_offset(t, i), member_bits);
            const std::string name = btf__name_by_offset(types, member->name_off);
            if (name.empty() && value.is_object())
                object.update(value);
            else
                object[name.empty() ? "(anon)" : name] = std::move(value);
        }
        return object;
    }
    if (btf_is_datasec(t)) {
        nlohmann::json object = nlohmann::json::object();
        const btf_var_secinfo *var = btf_var_secinfos(t);
        for (unsigned i = 0; i < btf_vlen(t); ++i, ++var) {
            const btf_type *v = btf__type_by_id(types, var->type);
            if (!v || !btf_is_var(v) || var->offset + var->size > size)
                continue;
            object[btf__name_by_offset(types, v->name_off)] = typed_json(types, v->type, data + var->offset, var->size);
        }
        return object;
    }
    return hex(base, type_size > 0 ? std::min<std::size_t>(static_cast<std::size_t>(type_size), size) : 0);
}

bool is_per_cpu(bpf_map_type type)
{
    return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
           type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

// Maps whose contents cannot be listed by key (records, file descriptors, socket-owned storage).
bool is_listable(bpf_map_type type)
{
    switch (type) {
    case BPF_MAP_TYPE_RINGBUF:
    case BPF_MAP_TYPE_USER_RINGBUF:
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_PROG_ARRAY:
    case BPF_MAP_TYPE_SK_STORAGE:
    case BPF_MAP_TYPE_INODE_STORAGE:
    case BPF_MAP_TYPE_TASK_STORAGE:
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
    case BPF_MAP_TYPE_BLOOM_FILTER:
    case BPF_MAP_TYPE_STRUCT_OPS:
        return false;
    default:
        return true;
    }
}

std::uint32_t resolve_map(const std::string &map)
{
    if (!map.empty() && map.find_first_not_of("0123456789") == std::string::npos)
        return static_cast<std::uint32_t>(std::stoul(map));
    // The kernel keeps the first 15 characters of a name (BPF_OBJ_NAME_LEN): dropped_packet_map is dropped_packet_.
    constexpr std::size_t kept = BPF_OBJ_NAME_LEN - 1;
    const std::string kernel_name = map.substr(0, kept);
    std::vector<std::uint32_t> ids;
    for (const MapInfo &m : list_maps())
        if (m.name == kernel_name)
            ids.push_back(m.id);
    if (ids.empty())
        throw Error("no map named '" + map + "' (`winbpf show maps` lists the maps)", ENOENT);
    if (ids.size() > 1) {
        std::string list;
        for (std::uint32_t id : ids)
            list += (list.empty() ? "" : ", ") + std::to_string(id);
        throw Error("several maps are named '" + map + "' (IDs " + list + "): give the ID", EINVAL);
    }
    return ids.front();
}

// Prints one snapshot of the map (text or one JSON document).
void print_map(int fd, const bpf_map_info &info, bool json)
{
    const auto type = static_cast<bpf_map_type>(info.type);
    const char *type_name = libbpf_bpf_map_type_str(type);
    BtfPtr types(info.btf_id ? btf__load_from_kernel_by_id(info.btf_id) : nullptr);
    std::string dumped;
    std::unique_ptr<btf_dump, BtfDumpFree> dump(types ? btf_dump__new(types.get(), append_text, &dumped, nullptr)
                                                      : nullptr);
    const int cpus = is_per_cpu(type) ? libbpf_num_possible_cpus() : 1;
    if (cpus <= 0)
        throw Error("cannot count the possible CPUs", -cpus);
    const std::size_t stride = is_per_cpu(type) ? (info.value_size + 7) / 8 * 8 : info.value_size;

    nlohmann::json entries = nlohmann::json::array();
    std::vector<std::string> lines;
    if (is_listable(type)) {
        std::vector<std::byte> key(info.key_size), next(info.key_size), value(stride * static_cast<std::size_t>(cpus));
        const void *previous = nullptr;
        while (bpf_map_get_next_key(fd, previous, next.data()) == 0) {
            key = next;
            previous = key.data();
            if (bpf_map_lookup_elem(fd, key.data(), value.data()) != 0)
                continue; // deleted meanwhile
            const std::string key_text =
                typed(dump.get(), types.get(), info.btf_key_type_id, key.data(), key.size(), dumped);
            nlohmann::json values = nlohmann::json::array();
            std::string value_text;
            for (int cpu = 0; cpu < cpus; ++cpu) {
                const std::byte *v = value.data() + stride * static_cast<std::size_t>(cpu);
                std::string text = typed(dump.get(), types.get(), info.btf_value_type_id, v, info.value_size, dumped);
                values.push_back({{"value", types && info.btf_value_type_id
                                                ? typed_json(types.get(), info.btf_value_type_id, v, info.value_size)
                                                : nlohmann::json(nullptr)},
                                  {"bytes", hex(v, info.value_size)},
                                  {"text", text}});
                value_text +=
                    is_per_cpu(type) ? "\n    cpu " + std::to_string(cpu) + ": " + printable(text) : printable(text);
            }
            entries.push_back({{"key", types && info.btf_key_type_id
                                           ? typed_json(types.get(), info.btf_key_type_id, key.data(), key.size())
                                           : nlohmann::json(nullptr)},
                               {"key_bytes", hex(key.data(), key.size())},
                               {"key_text", key_text},
                               {"values", values}});
            lines.push_back("key: " + printable(key_text) + (is_per_cpu(type) ? "" : "  value: ") + value_text);
        }
    }
    if (json) {
        nlohmann::json out = {{"id", info.id},
                              {"name", info.name},
                              {"map_type", type_name ? type_name : std::to_string(info.type)},
                              {"key_size", info.key_size},
                              {"value_size", info.value_size},
                              {"max_entries", info.max_entries},
                              {"listable", is_listable(type)},
                              {"entries", entries}};
        std::cout << out.dump(2) << "\n";
        return;
    }
    std::cout << "Map " << info.id << " " << printable(info.name) << " (" << (type_name ? type_name : "?") << "), key "
              << info.key_size << " bytes, value " << info.value_size << " bytes, max entries " << info.max_entries
              << "\n";
    if (!is_listable(type)) {
        std::cout << "A " << (type_name ? type_name : "map") << " map has no entries to list by key.\n";
        return;
    }
    std::cout << lines.size() << " entr" << (lines.size() == 1 ? "y" : "ies") << "\n";
    for (const std::string &line : lines)
        std::cout << line << "\n";
}

} // namespace

void show_map(const std::string &map, double watch_seconds, bool json)
{
    require_privilege(Verb::list_by_id);
    const std::uint32_t id = resolve_map(map);
    UniqueFd fd(bpf_map_get_fd_by_id(id));
    if (!fd) {
        int err = errno;
        throw Error("no map with ID " + std::to_string(id) + (err == ENOENT ? "" : ": " + std::string(strerror(err))),
                    err);
    }
    bpf_map_info info{};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0) {
        int err = errno;
        throw Error("reading the info of map " + std::to_string(id) + ": " + strerror(err), err);
    }
    if (watch_seconds <= 0) {
        print_map(fd.get(), info, json);
        return;
    }
    // Refreshes like eBPF Studio's map view until interrupted (Ctrl-C).
    for (;;) {
        if (!json)
            std::cout << "\x1b[H\x1b[2J";
        const std::time_t now = std::time(nullptr);
        char stamp[32];
        std::strftime(stamp, sizeof(stamp), "%H:%M:%S", std::localtime(&now));
        if (!json)
            std::cout << stamp << "  (every " << watch_seconds << " s; Ctrl-C to stop)\n";
        print_map(fd.get(), info, json);
        std::cout.flush();
        std::this_thread::sleep_for(std::chrono::duration<double>(watch_seconds));
    }
}

} // namespace winbpf::cli
