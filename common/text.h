// SPDX-License-Identifier: BSD-3-Clause
// Small text helpers the config reader, the CLI's argument checks and the migration parsers
// share, so that "a number" and "surrounding blanks" mean the same thing in every file we read.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sshotp {

// `text` without leading and trailing spaces, tabs and carriage returns (a CRLF file's lines).
std::string_view trim(std::string_view text);

// A whole unsigned decimal number, ASCII digits only, within [min, max]; nothing otherwise.
// Refused: the empty string, a sign ('+' or '-'), blanks anywhere, trailing text, anything that
// overflows 64 bits, and a value outside the bounds. Leading zeros are allowed ("007" is 7).
std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t min,
                                          std::uint64_t max);

}  // namespace sshotp
