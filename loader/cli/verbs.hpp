// SPDX-License-Identifier: MIT
// The one verb table of the `winbpf` tool (bpftool style): every verb's words, netsh tag order and handler. The
// command line and the `ebpf>` context (shell.cpp) both run verbs through run_verb().
#pragma once

#include <map>
#include <string>
#include <vector>

namespace winbpf::cli
{

/// A verb of the table, for help and tab completion.
struct VerbInfo {
    std::vector<std::string> words; ///< e.g. {"show", "verification"}.
    std::string description;        ///< One line.
    std::string usage;              ///< "winbpf show verification FILE ..."
    std::vector<std::string> tags;  ///< netsh's tag order: positional parameters fill these in turn.
};

/// Every verb, in the order `help` lists them.
const std::vector<VerbInfo> &verbs();

/// netsh's parameter rule: each word is TAG=VALUE (TAG one of tags, case-insensitive) or a value that takes the next
/// tag, in tags' order, not given by name. Throws UsageError for an unknown tag, a tag given twice, an empty value or
/// more values than tags. The result maps tags (lower case) to values.
std::map<std::string, std::string> assign_parameters(const std::vector<std::string> &words,
                                                     const std::vector<std::string> &tags);

/// Runs one command (words after `winbpf`, e.g. {"show", "programs", "--json"}) and returns its exit status: 0
/// success, 1 failure, 2 usage error (messages on stderr, as `winbpf` prints them). `--help` after a verb prints its
/// usage and tags.
int run_verb(const std::vector<std::string> &words);

/// Prints the usage of the verb or verb group that words start with (all verbs when words is empty) on out; false
/// when words name none.
bool print_help(const std::vector<std::string> &words, std::ostream &out);

/// Completion candidates for the word being typed (text), given the words before it on the line: verbs, a verb's
/// objects, its TAG= parameters and --options (from the verb table), and values: hook types, levels, yes/no, files,
/// program IDs and map names and IDs of the running system (none when the kernel refuses to list them). Used by the
/// `ebpf>` context's tab completion and by `winbpf __complete` (the bash completion).
std::vector<std::string> completions(const std::vector<std::string> &before, const std::string &text);

/// The `ebpf>` context: on a terminal an interactive prompt with history and completion (libedit); otherwise each
/// line of stdin runs as a command until the first that fails, whose exit status it returns. `exit`, `quit` and end
/// of input end it (status 0).
int run_shell();

} // namespace winbpf::cli
