// SPDX-License-Identifier: MIT
// The `ebpf>` context (netsh's `netsh` then `ebpf`): the verbs of the verb table one per line. On a terminal with
// libedit (history in ~/.winbpf_history, tab completion of verbs, parameters, files, program IDs and map names);
// from a pipe as a script that stops at the first failing line.
#include "verbs.hpp"

#include "winbpf/hook.hpp"
#include "winbpf/inventory.hpp"

#include <bpf/bpf.h>
#include <editline/readline.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace winbpf::cli
{

namespace
{

// The words of a line: split at blanks, "double quotes" keep blanks in a word; nothing after an unquoted '#' at the
// start of a word (a comment).
std::vector<std::string> split(const std::string &line)
{
    std::vector<std::string> words;
    std::optional<std::string> word;
    bool quoted = false;
    for (const char c : line) {
        if (c == '"') {
            quoted = !quoted;
            word = word.value_or("");
            continue;
        }
        if (!quoted && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
            if (word)
                words.push_back(*word);
            word.reset();
            continue;
        }
        if (!quoted && c == '#' && !word)
            break;
        word = word.value_or("") + c;
    }
    if (word)
        words.push_back(*word);
    return words;
}

enum class Outcome { next, end };

// Runs one line of the context; status gets the verb's exit status. `netsh` and `ebpf` (the contexts' names) are
// ignored in front of a command, as netsh does when the context is entered already.
Outcome run_line(const std::string &line, int &status)
{
    std::vector<std::string> words = split(line);
    while (!words.empty() && (words.front() == "netsh" || words.front() == "ebpf"))
        words.erase(words.begin());
    status = 0;
    if (words.empty())
        return Outcome::next;
    if (words.front() == "exit" || words.front() == "quit" || words.front() == "bye")
        return Outcome::end;
    if (words.front() == "help" || words.front() == "?" || words.back() == "?") {
        std::vector<std::string> about(words.begin() + (words.front() == "help" || words.front() == "?"), words.end());
        if (!about.empty() && about.back() == "?")
            about.pop_back();
        if (!print_help(about, std::cout)) {
            std::cerr << "winbpf: no verb '" << line << "' (help lists them)\n";
            status = 2;
        }
        if (about.empty())
            std::cout << "\nIn this context: help|? [VERB], exit|quit (or Ctrl-D).\n";
        return Outcome::next;
    }
    status = run_verb(words);
    std::cout.flush();
    return Outcome::next;
}

} // namespace

std::vector<std::string> completions(const std::vector<std::string> &before, const std::string &text)
{
    std::vector<std::string> out;
    std::vector<std::string> context = before;
    while (!context.empty() && (context.front() == "netsh" || context.front() == "ebpf"))
        context.erase(context.begin());
    const bool help = !context.empty() && (context.front() == "help" || context.front() == "?");
    if (help)
        context.erase(context.begin());
    auto add = [&](const std::string &word) {
        if (word.starts_with(text) && std::find(out.begin(), out.end(), word) == out.end())
            out.push_back(word);
    };
    if (context.empty()) {
        for (const VerbInfo &verb : verbs())
            add(verb.words[0]);
        if (!help)
            for (const char *word : {"help", "exit", "quit"})
                add(word);
        return out;
    }
    if (context.size() == 1) {
        for (const VerbInfo &verb : verbs())
            if (verb.words[0] == context[0])
                add(verb.words[1]);
        return out;
    }
    if (help)
        return out;
    const auto verb = std::find_if(verbs().begin(), verbs().end(), [&](const VerbInfo &v) {
        return v.words[0] == context[0] && v.words[1] == context[1];
    });
    if (verb == verbs().end())
        return out;
    const auto has = [&](const char *tag) {
        return std::find(verb->tags.begin(), verb->tags.end(), tag) != verb->tags.end();
    };
    const auto equals = text.find('=');
    const std::string tag = equals == std::string::npos ? "" : text.substr(0, equals);
    if (text.starts_with("-")) {
        // The verb's options, as its usage names them (--json, --watch).
        static const std::regex option(R"(--[a-z][a-z-]*)");
        for (std::sregex_iterator it(verb->usage.begin(), verb->usage.end(), option), end; it != end; ++it)
            add(it->str());
        add("--help");
        return out;
    }
    if (equals == std::string::npos)
        for (const std::string &t : verb->tags)
            add(t + "=");
    const std::string prefix = equals == std::string::npos ? "" : tag + "=";
    const std::string value = equals == std::string::npos ? text : text.substr(equals + 1);
    auto add_value = [&](const std::string &v) {
        if (v.starts_with(value))
            add(prefix + v);
    };
    if ((tag.empty() || tag == "id") && has("id") && context[1] == "program") {
        // Program IDs: the kernel's (CAP_SYS_ADMIN); nothing when it refuses the walk.
        for (__u32 id = 0; bpf_prog_get_next_id(id, &id) == 0;)
            add_value(std::to_string(id));
    }
    if ((tag.empty() || tag == "map") && has("map")) {
        try {
            for (const MapInfo &map : list_maps()) {
                add_value(map.name);
                add_value(std::to_string(map.id));
            }
        } catch (const std::exception &) {
            // No map names without the privilege to list them.
        }
    }
    if ((tag.empty() || tag == "filename") && has("filename")) {
        for (int state = 0;; ++state) {
            std::unique_ptr<char, decltype(&std::free)> file(rl_filename_completion_function(value.c_str(), state),
                                                             &std::free);
            if (!file)
                break;
            add_value(file.get());
        }
    }
    for (const char *choice : {"type", "level", "attached", "pinned", "execution"})
        if (tag == choice && has(choice)) {
            const std::string name = choice;
            std::vector<std::string> types;
            for (const HookType &hook : hook_types())
                types.push_back(hook.name);
            const std::vector<std::string> values = name == "type"    ? types
                                                    : name == "level" ? std::vector<std::string>{"normal", "verbose"}
                                                    : name == "execution"
                                                        ? std::vector<std::string>{"jit", "native", "interpret"}
                                                        : std::vector<std::string>{"yes", "no", "any"};
            for (const std::string &v : values)
                add_value(v);
        }
    return out;
}

namespace
{

std::vector<std::string> matches;

char *next_match(const char *, int state)
{
    static std::size_t at;
    if (state == 0)
        at = 0;
    return at < matches.size() ? ::strdup(matches[at++].c_str()) : nullptr;
}

char **complete(const char *text, int start, int)
{
    rl_attempted_completion_over = 1;
    matches = completions(split(std::string(rl_line_buffer, static_cast<std::size_t>(start))), text);
    // A tag (name=) or a directory takes more text: no space after it.
    rl_completion_append_character =
        matches.size() == 1 && (matches[0].ends_with("=") || matches[0].ends_with("/")) ? '\0' : ' ';
    return rl_completion_matches(text, next_match);
}

std::string history_file()
{
    const char *home = std::getenv("HOME");
    return home && *home ? std::string(home) + "/.winbpf_history" : "";
}

} // namespace

int run_shell()
{
    int status = 0;
    if (!::isatty(STDIN_FILENO)) {
        // A script: every line until the first that fails.
        std::string line;
        while (std::getline(std::cin, line))
            if (run_line(line, status) == Outcome::end || status != 0)
                return status;
        return 0;
    }
    rl_readline_name = "winbpf";
    rl_attempted_completion_function = complete;
    const std::string history = history_file();
    stifle_history(1000);
    if (!history.empty())
        read_history(history.c_str());
    for (;;) {
        std::unique_ptr<char, decltype(&std::free)> line(readline("ebpf> "), &std::free);
        if (!line) { // Ctrl-D
            std::cout << "\n";
            break;
        }
        if (*line.get() != '\0')
            add_history(line.get());
        if (run_line(line.get(), status) == Outcome::end)
            break;
    }
    if (!history.empty())
        write_history(history.c_str());
    return 0;
}

} // namespace winbpf::cli
