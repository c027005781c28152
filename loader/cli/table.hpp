// SPDX-License-Identifier: MIT
// netsh-style text tables: a title row, a row of '=' under each column, then the rows; columns two spaces apart.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace winbpf::cli
{

/// text with control characters (and DEL) written as \xNN, so names from the kernel, bpffs or an object file cannot
/// move the cursor or clear a terminal; other bytes (UTF-8) pass unchanged.
std::string printable(std::string_view text);

class Table
{
  public:
    struct Column {
        std::string title;
        bool right = false; ///< Right-aligned (numbers), else left-aligned.
    };
    explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
    /// Adds a row with one cell per column.
    void add(std::vector<std::string> row) { rows_.push_back({std::move(row), {}}); }
    /// Adds a line under the last row, indented to its last column (not counted in the column widths).
    void add_detail(std::string line) { rows_.back().details.push_back(std::move(line)); }
    /// Prints an empty line, the titles, the underline and the rows (cells through printable()); the last column is not
    /// padded.
    void print(std::ostream &out) const;

  private:
    std::vector<Column> columns_;
    struct Row {
        std::vector<std::string> cells;
        std::vector<std::string> details;
    };
    std::vector<Row> rows_;
};

} // namespace winbpf::cli
