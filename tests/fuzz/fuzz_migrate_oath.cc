// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes the pam_oath users file parser (`sshotp-enroll migrate`), which never fails as a whole
// and sorts every line into an entry or a skip. Oracles: entries are time- or counter-based with
// parameters pam_sshotp supports, a key of a carried-over length, a counter we compute codes
// for, one per user, in file order; every line number is real; no reason or note quotes a key.
#include <algorithm>
#include <set>
#include <string>

#include "common/hotp.h"
#include "enroll/migrate/parsers/oath_users_file.h"
#include "enroll/migrate/parsers/parser_basics.h"
#include "tests/fuzz/fuzz_support.h"

using namespace sshotp;
using sshotp::fuzz::require;

namespace {

// Every field that could be a key (eight or more hex digits), which no message may contain.
std::vector<std::string_view> key_like_fields(std::string_view text) {
  std::vector<std::string_view> keys;
  for (std::string_view word : cli::split_words(text, " \t\r\n\v\f")) {
    if (word.size() >= 8 && std::all_of(word.begin(), word.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        })) {
      keys.push_back(word);
    }
  }
  return keys;
}

void require_quotes_no_key(const std::string& message, const std::vector<std::string_view>& keys) {
  for (std::string_view key : keys) {
    require(message.find(key) == std::string::npos, "a reason or note never quotes a key");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const cli::OathFile file = cli::parse_oath_usersfile(text);
  const std::size_t line_count = cli::split_lines(text).size();
  const std::vector<std::string_view> keys = key_like_fields(text);

  std::set<std::string> users;
  std::size_t previous = 0;
  for (const cli::OathEntry& entry : file.entries) {
    require(entry.line > previous && entry.line <= line_count, "entries in file order, real lines");
    previous = entry.line;
    require(!entry.user.empty() && users.insert(entry.user).second, "one entry per user");
    require(validate_params(entry.params).ok() && entry.params.algorithm == Algorithm::sha1,
            "an entry is SHA1 with digits and period pam_sshotp supports");
    const cli::KeyLength length = cli::classify_key_length(entry.secret.size());
    require(length == cli::KeyLength::weak || length == cli::KeyLength::good,
            "an entry's key has a length a migration carries over");
    require(entry.last_code.empty() || entry.last_code.size() == entry.params.digits,
            "a last code has the entry's digit count");
    require(entry.params.kind() == OtpKind::hotp
                ? entry.last_counter >= -1 && entry.last_counter < kMaxHotpCounter
                : entry.last_counter == -1,
            "a token's last counter is one we compute codes after; a time-based entry has none");
    require_quotes_no_key(entry.note, keys);
  }
  previous = 0;
  for (const cli::OathSkip& skip : file.skipped) {
    require(skip.line > previous && skip.line <= line_count, "skips in file order, real lines");
    previous = skip.line;
    require(!skip.reason.empty(), "a skipped line says why");
    require_quotes_no_key(skip.reason, keys);
  }
  return 0;
}
