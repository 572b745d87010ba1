// SPDX-License-Identifier: BSD-3-Clause
// Shared pieces of the migration parsers (see parser_basics.h).
#include "enroll/migrate/parsers/parser_basics.h"

namespace sshotp::cli {

KeyLength classify_key_length(std::size_t bytes) noexcept {
  if (bytes < kMinMigratedKeyBytes) return KeyLength::too_short;
  if (bytes > kMaxMigratedKeyBytes) return KeyLength::too_long;
  return bytes < kGoodMigratedKeyBytes ? KeyLength::weak : KeyLength::good;
}

std::string key_length_problem(std::size_t bytes) {
  const std::string bits = "the key has " + std::to_string(bytes * 8) + " bits";
  switch (classify_key_length(bytes)) {
    case KeyLength::too_short:
      return bits + "; at least " + std::to_string(kMinMigratedKeyBytes * 8) + " are required";
    case KeyLength::too_long:
      return bits + "; at most " + std::to_string(kMaxMigratedKeyBytes * 8) + " are accepted";
    case KeyLength::weak:
      return bits + ", fewer than the " + std::to_string(kGoodMigratedKeyBytes * 8) +
             " RFC 4226 asks for: consider enrolling anew";
    case KeyLength::good:
      break;
  }
  return {};
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> split_words(std::string_view text, std::string_view separators) {
  std::vector<std::string_view> words;
  std::size_t start = text.find_first_not_of(separators);
  while (start != std::string_view::npos) {
    const std::size_t end = text.find_first_of(separators, start);
    words.push_back(text.substr(start, end - start));
    start = end == std::string_view::npos ? end : text.find_first_not_of(separators, end);
  }
  return words;
}

}  // namespace sshotp::cli
