// SPDX-License-Identifier: BSD-3-Clause
#include "common/text.h"

#include <charconv>

namespace sshotp {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r";
  const auto first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kBlanks);
  return text.substr(first, last - first + 1);
}

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t min,
                                          std::uint64_t max) {
  // from_chars alone would do for unsigned types (no sign, no leading blanks), but that is a
  // property of the library, not of our input rules: the first character is checked here.
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  std::uint64_t n = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || stop != end) return std::nullopt;  // overflow or trailing text
  if (n < min || n > max) return std::nullopt;
  return n;
}

}  // namespace sshotp
