// SPDX-License-Identifier: MIT
// netsh-style text tables: a title row, a row of '=' under each column, then the rows; columns two spaces apart.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace winbpf::cli
{

class Table
{
  public:
    struct Column {
        std::string title;
        bool right = false; ///< Right-aligned (numbers), else left-aligned.
    };
    explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
    /// Adds a row with one cell per column.
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    /// Prints an empty line, the titles, the underline and the rows; the last column is not padded.
    void print(std::ostream &out) const;

  private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

} // namespace winbpf::cli
