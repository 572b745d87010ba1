// SPDX-License-Identifier: BSD-3-Clause
// Sorting the lines of a pam_oath users file (see oath_users_file.h). Token types and fields are
// read as liboath's usersfile.c reads them; where liboath would fail the login (a bad key, a
// bad counter or time field), the line is skipped and reported instead.
#include "enroll/migrate/parsers/oath_users_file.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "common/hex.h"
#include "common/text.h"
#include "enroll/migrate/parsers/parser_basics.h"

namespace sshotp::cli {
namespace {

constexpr std::string_view kSeparators = " \t\r\v\f";
constexpr std::size_t kMinFields = 4;  // TYPE USER PIN HEXKEY
constexpr std::size_t kMaxFields = 7;  // ... COUNTER LAST-OTP LAST-TIME

struct TokenType {
  bool time_based = false;
  unsigned digits = 6;
  unsigned period = 0;
};

// liboath's parse_type(): the exact spellings it accepts, and nothing else.
std::optional<TokenType> parse_type(std::string_view type) {
  if (type == "HOTP" || type == "HOTP/E" || type == "HOTP/E/6") return TokenType{};
  if (type == "HOTP/E/7") return TokenType{false, 7, 0};
  if (type == "HOTP/E/8") return TokenType{false, 8, 0};
  for (unsigned period : {30U, 60U}) {
    const std::string base = "HOTP/T" + std::to_string(period);
    if (!type.starts_with(base)) continue;
    const std::string_view rest = type.substr(base.size());
    if (rest.empty() || rest == "/6") return TokenType{true, 6, period};
    if (rest == "/7") return TokenType{true, 7, period};
    if (rest == "/8") return TokenType{true, 8, period};
  }
  return std::nullopt;
}

// LAST-TIME, "%Y-%m-%dT%H:%M:%SL": local time, as liboath writes and reads it.
std::optional<std::int64_t> parse_local_time(std::string_view text) {
  const std::string copy(text);
  struct tm tm {};
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SL", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  tm.tm_isdst = -1;
  const time_t t = mktime(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

// The counter of the last code pam_oath accepted (see OathEntry::last_counter). After a login,
// liboath writes the counter of the code it matched, not the one after it, and refuses the code
// recorded as LAST-OTP; so a line with a LAST-OTP has used COUNTER itself. Any LAST-OTP counts,
// whatever it looks like: taking a used counter for unused would bring a code back.
std::int64_t last_used_counter(std::uint64_t counter, bool has_last_otp) {
  const auto c = static_cast<std::int64_t>(counter);  // below kMaxHotpCounter
  return has_last_otp ? c : c - 1;
}

// A reason to skip the line, or nothing once `entry` is filled in.
std::optional<std::string> read_entry(const std::vector<std::string_view>& fields,
                                      OathEntry& entry) {
  if (fields.size() < kMinFields || fields.size() > kMaxFields) {
    return "malformed: expected TYPE USER PIN HEXKEY [COUNTER [LAST-OTP [LAST-TIME]]]";
  }
  auto type = parse_type(fields[0]);
  if (!type) return "unknown token type";
  if (type->digits == 7) return "7-digit codes: pam_sshotp checks 6 or 8 digits";
  if (fields[2] != "-" && fields[2] != "+") {
    return "has a PIN, which pam_sshotp cannot check: enroll the user anew";
  }
  auto secret = hex_decode(fields[3]);  // a field: whitespace already split off
  if (!secret) return "the key is not hexadecimal";
  const KeyLength length = classify_key_length(secret->size());
  if (length == KeyLength::too_short || length == KeyLength::too_long) {
    return key_length_problem(secret->size());
  }
  std::optional<std::uint64_t> counter = 0;
  if (fields.size() > 4) counter = parse_number(fields[4], 0, UINT64_MAX);
  if (!counter) return "malformed counter";
  if (!type->time_based && *counter >= static_cast<std::uint64_t>(kMaxHotpCounter)) {
    return "counter beyond what pam_sshotp computes codes for";
  }
  if (fields.size() > 6) {
    entry.last_used_at = parse_local_time(fields[6]);
    if (!entry.last_used_at) return "malformed time of the last code";
  }
  entry.user = std::string(fields[1]);
  entry.params.algorithm = Algorithm::sha1;
  entry.params.digits = type->digits;
  entry.params.period = type->time_based ? type->period : kCounterBased;
  if (!type->time_based) entry.last_counter = last_used_counter(*counter, fields.size() > 5);
  entry.secret = std::move(secret).value();
  entry.note = key_length_problem(entry.secret.size());
  if (fields.size() > 5 && fields[5].size() == type->digits &&
      parse_number(fields[5], 0, UINT64_MAX)) {
    entry.last_code = SecretString(fields[5]);
  }
  return std::nullopt;
}

}  // namespace

OathFile parse_oath_usersfile(std::string_view text) {
  OathFile file;
  std::map<std::string, std::size_t, std::less<>> imported_from;  // user -> line
  const std::vector<std::string_view> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    if (lines[i].size() > kMaxOathLine) {
      file.skipped.push_back({line, {}, "longer than " + std::to_string(kMaxOathLine) + " bytes"});
      continue;
    }
    const std::vector<std::string_view> fields = split_words(lines[i], kSeparators);
    if (fields.empty() || fields[0].front() == '#') continue;
    // The second field is a user name only on a line that starts like an entry.
    const bool entry_like = fields.size() > 1 && parse_type(fields[0]);
    const std::string user = entry_like ? std::string(fields[1]) : std::string();
    OathEntry entry;
    entry.line = line;
    if (auto reason = read_entry(fields, entry)) {
      file.skipped.push_back({line, user, std::move(*reason)});
      continue;
    }
    auto [earlier, first] = imported_from.emplace(entry.user, line);
    if (!first) {
      file.skipped.push_back({line, user,
                              "another key of this user (line " + std::to_string(earlier->second) +
                                  ") is taken; pam_sshotp keeps one per user"});
      continue;
    }
    file.entries.push_back(std::move(entry));
  }
  return file;
}

}  // namespace sshotp::cli
