// SPDX-License-Identifier: BSD-3-Clause
// What the google-authenticator and pam_oath file parsers share (pure, like them): splitting a
// file into lines and words, and how long a carried-over key may be.
// New keys (enroll, import) must have 128 bits (RFC 4226 §4 R6), but older google-authenticator
// releases issued 80-bit keys and a migration that refused them would strand those users;
// anything shorter than that was made by hand and is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sshotp::cli {

inline constexpr std::size_t kMinMigratedKeyBytes = 10;   // 80 bits
inline constexpr std::size_t kGoodMigratedKeyBytes = 16;  // 128 bits, RFC 4226 §4 R6
inline constexpr std::size_t kMaxMigratedKeyBytes = 128;  // what import accepts too

enum class KeyLength { too_short, weak, good, too_long };

KeyLength classify_key_length(std::size_t bytes) noexcept;

// "the key has 64 bits; ..." for a refusal or a warning; empty for a good key.
std::string key_length_problem(std::size_t bytes);

// The lines of a file, without their '\n' and without one '\r' before it.
std::vector<std::string_view> split_lines(std::string_view text);

// The non-empty runs of `text` between any of the `separators`.
std::vector<std::string_view> split_words(std::string_view text, std::string_view separators);

}  // namespace sshotp::cli
