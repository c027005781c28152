// SPDX-License-Identifier: MIT
//
// winbpf-glue PASS1_OBJECT SOURCE OUTPUT
//
// Second step of Makefile.bpf: reads the pass-1 object of a Windows-style program, finds its hook handlers
// (SEC("process"), ...) and writes the pass-2 source that includes SOURCE and adds the Linux entry programs.
// Exit status 1 with a message naming the function and section for an unknown or unsupported section. A license the
// kernel does not treat as GPL-compatible becomes WINBPF_LICENSE_NOT_GPL in the pass-2 source: the glue of a hook
// that needs GPL-only kernel facilities, and any use of a GPL-only helper, then fail to compile naming the license.
//
// winbpf-glue --legacy-maps OBJECT
//
// winbpf-glue --plain OBJECT USER_COPY GLUE_SOURCE [TYPE PROGRAM], winbpf-glue --plain-btf USER_COPY GLUE_OBJECT,
// winbpf-glue --link OUTPUT OBJECT...
//
// Steps of Makefile.bpf's `complete` target, which completes an object built by plain clang in one pass
// (complete.hpp).
//
// Last step of Makefile.bpf: rewrites, in place, the BTF of the pass-2 object's legacy SEC("maps") struct bpf_map_def
// maps into BTF map definitions libbpf loads (legacy_maps.cpp), adapts the map definitions Linux refuses as written
// (map_adaptations.cpp), makes the slots of program arrays initialised with hook handlers name the handlers' entry
// programs (prog_arrays.cpp), and gives the global functions of .text static linkage in the BTF so that the kernel
// verifies them with their callers (functions.cpp). No change for an object without them.
#include "complete.hpp"
#include "functions.hpp"
#include "hook_table.hpp"
#include "legacy_maps.hpp"
#include "map_adaptations.hpp"
#include "optional_programs.hpp"
#include "pass1_object.hpp"
#include "plain_btf.hpp"
#include "prog_arrays.hpp"
#include "unresolved.hpp"

#include "winbpf/error.hpp"

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

namespace
{

struct Handler {
    winbpf::glue::HookKind hook;
    std::string name;
    int counter;
};

// Whether a legacy SEC("maps") definition (its initial bytes, laid out as winbpf/map_helpers.h's
// ebpf_map_definition_in_file_t) is a PERCPU_ARRAY whose value is over Linux's 32 KiB per-CPU limit: --legacy-maps
// spreads it over an ARRAY (map_adaptations.cpp, the same test), and the shim's map helpers must know at compile time.
bool legacy_map_spread(const std::vector<unsigned char> &definition)
{
    if (definition.size() < 12)
        return false;
    std::uint32_t type = 0, value_size = 0;
    std::memcpy(&type, definition.data(), sizeof type);
    std::memcpy(&value_size, definition.data() + 8, sizeof value_size);
    return winbpf::glue::spread_per_cpu(type, value_size);
}

std::string generate(const std::string &pass1, const std::string &source)
{
    const std::vector<winbpf::glue::SecSymbol> symbols = winbpf::glue::read_sec_symbols(pass1);
    const std::optional<std::string> license = winbpf::glue::read_license(pass1);
    std::vector<Handler> handlers;
    std::set<int> legacy_maps;        // SEC("maps") uses: Windows' legacy struct bpf_map_def maps
    std::set<int> legacy_spread_maps; // those the loader spreads (legacy_map_spread)
    bool has_license = false;
    int linux_programs = 0; // native Linux programs (libbpf sections)
    for (const auto &sym : symbols) {
        has_license = has_license || sym.section == "license";
        if (!sym.is_function) {
            if (sym.section == "maps")
                legacy_maps.insert(sym.counter);
            if (sym.section == "maps" && legacy_map_spread(sym.data))
                legacy_spread_maps.insert(sym.counter);
            continue;
        }
        if (auto hook = winbpf::glue::hook_for_section(sym.section)) {
            if (!hook->supported)
                throw winbpf::Error("function '" + sym.symbol + "' is in SEC(\"" + sym.section + "\"): the '" +
                                    std::string(hook->section_prefix) + "' hook is not supported by winbpf yet");
            // A native Linux program in a section a Windows hook shares (its parameter points to another struct, e.g.
            // struct bpf_sock_addr in cgroup/connect4) stays a plain libbpf program.
            const auto context = winbpf::glue::first_parameter_struct(pass1, sym.symbol);
            if (!context || *context == hook->context) {
                handlers.push_back({*hook, sym.symbol, sym.counter});
                continue;
            }
        }
        enum bpf_prog_type type;
        enum bpf_attach_type attach;
        if (libbpf_prog_type_by_name(sym.section.c_str(), &type, &attach) != 0)
            throw winbpf::Error("function '" + sym.symbol + "' is in unknown section SEC(\"" + sym.section +
                                "\"): expected a Windows hook (" + winbpf::glue::known_prefixes() +
                                ") or a libbpf section");
        ++linux_programs;
    }
    if (handlers.empty() && linux_programs == 0)
        throw winbpf::Error("no program: no function is in a Windows hook section such as SEC(\"process\")");

    std::ostringstream out;
    out << "/* Generated by winbpf-glue from " << source << ". Do not edit. */\n";
    // Before the source's includes: winbpf/common.h then turns GPL-only helpers into compile-time errors, and the
    // glue header of a hook that needs GPL-only kernel facilities refuses the program (winbpf/license.h).
    out << winbpf::glue::license_define(license);
    // Glue the source's handlers asked for through the shim's helpers (WINBPF_USES, winbpf/common.h).
    out << winbpf::glue::uses_defines(winbpf::glue::read_uses(pass1));
    for (const auto &h : handlers)
        out << "#define WINBPF_HOOK_SEC_" << h.counter << " 1\n";
    for (int counter : legacy_maps)
        out << "#define WINBPF_LEGACY_MAP_SEC_" << counter << " 1\n";
    for (int counter : legacy_spread_maps)
        out << "#define WINBPF_LEGACY_SPREAD_SEC_" << counter << " 1\n";
    out << "#include \"" << source << "\"\n";
    // What follows is winbpf's, kept free of warnings under -Wall -Wextra (tests/compat/headers_test.cpp), except the
    // entry programs' parameters: their signatures are the kernel's (tracepoint and LSM arguments not all read).
    out << "#pragma clang diagnostic ignored \"-Wunused-parameter\"\n";
    std::set<std::string_view> done;
    for (const auto &h : handlers) {
        if (done.insert(h.hook.hook).second) {
            out << "#include \"" << h.hook.glue_header << "\"\n";
            out << h.hook.object_macro << "()\n";
        }
        out << h.hook.entry_macro << "(" << h.name << ")\n";
    }
    if (!has_license)
        out << "char _winbpf_license[] __attribute__((section(\"license\"), used)) = \"GPL\";\n";
    return out.str();
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 3 && std::string(argv[1]) == "--hide-optional") {
        try {
            winbpf::glue::hide_optional_programs(argv[2]);
        } catch (const std::exception &e) {
            std::cerr << "winbpf: " << argv[2] << ": " << e.what() << "\n";
            return 1;
        }
        return 0;
    }
    if ((argc == 5 || argc == 7) && std::string(argv[1]) == "--plain") {
        try {
            winbpf::glue::prepare_plain(argv[2], argv[3], argv[4], argc == 7 ? argv[5] : "", argc == 7 ? argv[6] : "");
        } catch (const std::exception &e) {
            std::cerr << "winbpf: " << argv[2] << ": " << e.what() << "\n";
            return 1;
        }
        return 0;
    }
    if (argc == 4 && std::string(argv[1]) == "--plain-btf") {
        try {
            winbpf::glue::describe_plain_object(argv[2], argv[3]);
        } catch (const std::exception &e) {
            // Not named: the loader names the user's object, of which argv[2] is a temporary copy.
            std::cerr << "winbpf: " << e.what() << "\n";
            return 1;
        }
        return 0;
    }
    if (argc == 3 && std::string(argv[1]) == "--check-symbols") {
        try {
            winbpf::glue::check_unresolved_symbols(argv[2]);
        } catch (const std::exception &e) {
            std::cerr << "winbpf: " << argv[2] << ": " << e.what() << "\n";
            return 1;
        }
        return 0;
    }
    if (argc >= 4 && std::string(argv[1]) == "--link") {
        try {
            winbpf::glue::link_objects(argv[2], std::vector<std::string>(argv + 3, argv + argc));
        } catch (const std::exception &e) {
            std::cerr << "winbpf: " << e.what() << "\n";
            return 1;
        }
        return 0;
    }
    if (argc == 3 && std::string(argv[1]) == "--legacy-maps") {
        try {
            winbpf::glue::convert_legacy_maps(argv[2]);
            winbpf::glue::adapt_maps_for_linux(argv[2]);
            winbpf::glue::point_prog_array_slots_at_entries(argv[2]);
            winbpf::glue::verify_functions_with_callers(argv[2]);
        } catch (const std::exception &e) {
            std::cerr << "winbpf: " << argv[2] << ": " << e.what() << "\n";
            return 1;
        }
        return 0;
    }
    if (argc != 4) {
        std::cerr << "usage: winbpf-glue PASS1_OBJECT SOURCE OUTPUT\n       winbpf-glue --legacy-maps OBJECT\n"
                     "       winbpf-glue --check-symbols OBJECT\n       winbpf-glue --hide-optional OBJECT\n"
                     "       winbpf-glue --plain OBJECT USER_COPY GLUE_SOURCE [TYPE PROGRAM]\n"
                     "       winbpf-glue --plain-btf USER_COPY GLUE_OBJECT\n"
                     "       winbpf-glue --link OUTPUT OBJECT...\n";
        return 2;
    }
    try {
        const std::string text = generate(argv[1], argv[2]);
        std::ofstream out(argv[3]);
        out << text;
        if (!out.flush())
            throw winbpf::Error(std::string("cannot write ") + argv[3]);
    } catch (const std::exception &e) {
        std::cerr << "winbpf: " << argv[2] << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
