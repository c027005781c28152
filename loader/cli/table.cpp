// SPDX-License-Identifier: MIT
#include "table.hpp"

#include <algorithm>

namespace winbpf::cli
{

std::string printable(std::string_view text)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += digits[byte >> 4];
            out += digits[byte & 15];
        } else {
            out += c;
        }
    }
    return out;
}

void Table::print(std::ostream &out) const
{
    std::vector<std::size_t> width;
    for (const Column &c : columns_)
        width.push_back(c.title.size());
    std::vector<std::vector<std::string>> rows;
    for (const Row &row : rows_) {
        std::vector<std::string> cells;
        for (const std::string &cell : row.cells)
            cells.push_back(printable(cell));
        rows.push_back(std::move(cells));
    }
    for (const auto &row : rows)
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    auto line = [&](const std::vector<std::string> &cells) {
        std::string text;
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            const std::string cell = i < cells.size() ? cells[i] : "";
            const std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
            const bool last = i + 1 == columns_.size();
            text += columns_[i].right ? pad + cell : cell + (last ? "" : pad);
            if (!last)
                text += "  ";
        }
        out << text << "\n";
    };
    std::vector<std::string> titles, rules;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        titles.push_back(columns_[i].title);
        rules.emplace_back(width[i], '=');
    }
    out << "\n";
    line(titles);
    line(rules);
    std::size_t indent = 0;
    for (std::size_t i = 0; i + 1 < width.size(); ++i)
        indent += width[i] + 2;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        line(rows[r]);
        for (const std::string &detail : rows_[r].details)
            out << std::string(indent + 2, ' ') << printable(detail) << "\n";
    }
}

} // namespace winbpf::cli
