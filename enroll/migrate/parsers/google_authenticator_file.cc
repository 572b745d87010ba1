// SPDX-License-Identifier: BSD-3-Clause
// Parsing a google-authenticator state file and planning its migration (see
// google_authenticator_file.h). Nothing from the file is ever quoted back: messages name lines and
// known option names only.
#include "enroll/migrate/parsers/google_authenticator_file.h"

#include <algorithm>
#include <climits>
#include <set>

#include "common/base32.h"
#include "common/hotp.h"
#include "common/text.h"
#include "enroll/migrate/parsers/parser_basics.h"

namespace sshotp::cli {
namespace {

constexpr std::size_t kScratchCodeDigits = 8;
constexpr std::size_t kMaxOptionName = 32;
constexpr unsigned kMaxGaStepSize = 60;  // google-authenticator's own limits
constexpr unsigned kMaxGaWindowSize = 100;

Error bad_line(std::size_t line, const std::string& why) {
  return make_error(Errc::invalid_argument, "line " + std::to_string(line) + ": " + why);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The whitespace-separated words of an option's value.
std::vector<std::string_view> words(std::string_view text) { return split_words(text, " \t"); }

bool is_option_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxOptionName) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; });
}

Result<SecureBytes> parse_secret_line(std::string_view line) {
  auto base32_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7') || c == '=';
  };
  if (line.empty() || !std::all_of(line.begin(), line.end(), base32_char)) {
    return bad_line(1, "not a base32 key (letters A-Z and digits 2-7)");
  }
  auto secret = base32_decode(line);
  if (!secret || secret->empty()) return bad_line(1, "not a base32 key");
  return secret;
}

// A numeric option google-authenticator itself checks against [1, max].
Result<unsigned> parse_bounded(std::size_t line, std::string_view name, std::string_view value,
                               unsigned max) {
  auto values = words(value);
  auto n = values.empty() ? std::nullopt : parse_number(values.front(), 1, max);
  if (!n) {
    return bad_line(line, std::string(name) + " must be a number from 1 to " + std::to_string(max));
  }
  return static_cast<unsigned>(*n);
}

// The module refuses every code of a counter below 1; above kMaxHotpCounter we compute none.
Status parse_hotp_counter(std::size_t line, std::string_view value, GaFile& file) {
  auto values = words(value);
  auto n = values.empty()
               ? std::nullopt
               : parse_number(values.front(), 1, static_cast<std::uint64_t>(kMaxHotpCounter));
  if (!n) {
    return bad_line(line,
                    "HOTP_COUNTER must be a number from 1 to " + std::to_string(kMaxHotpCounter));
  }
  file.hotp_counter = static_cast<std::int64_t>(*n);
  return Ok{};
}

// DISALLOW_REUSE lists the time steps (counters, not times) of codes already used.
Status parse_used_steps(std::size_t line, std::string_view value, GaFile& file) {
  for (std::string_view word : words(value)) {
    auto step = parse_number(word, 0, INT_MAX);
    if (!step) return bad_line(line, "DISALLOW_REUSE must list time steps");
    auto as_signed = static_cast<std::int64_t>(*step);
    file.newest_used_step = std::max(file.newest_used_step.value_or(as_signed), as_signed);
  }
  return Ok{};
}

std::optional<long> parse_skew(std::string_view value) {
  auto values = words(value);
  if (values.empty()) return std::nullopt;
  std::string_view text = values.front();
  const bool negative = !text.empty() && text.front() == '-';
  if (negative || (!text.empty() && text.front() == '+')) text.remove_prefix(1);
  auto n = parse_number(text, 0, INT_MAX);
  if (!n) return std::nullopt;
  return negative ? -static_cast<long>(*n) : static_cast<long>(*n);
}

// One `" NAME value` line. Only the first occurrence of a name counts, as in the module.
Status parse_option(std::size_t line, std::string_view text, std::set<std::string>& seen,
                    GaFile& file) {
  if (text.size() < 2 || text[1] != ' ') {
    file.ignored.push_back({line, {}});
    return Ok{};
  }
  text.remove_prefix(2);
  std::size_t name_end = 0;
  while (name_end < text.size() && !is_blank(text[name_end])) ++name_end;
  const std::string_view name = text.substr(0, name_end);
  const std::string_view value = text.substr(name_end);
  if (!is_option_name(name)) {
    file.ignored.push_back({line, {}});
    return Ok{};
  }
  if (!seen.insert(std::string(name)).second) return Ok{};
  if (name == "TOTP_AUTH") {
    file.totp_auth = true;
  } else if (name == "HOTP_COUNTER") {
    return parse_hotp_counter(line, value, file);
  } else if (name == "STEP_SIZE") {
    auto step = parse_bounded(line, name, value, kMaxGaStepSize);
    if (!step) return std::move(step).error();
    file.step_size = *step;
  } else if (name == "WINDOW_SIZE") {
    auto window = parse_bounded(line, name, value, kMaxGaWindowSize);
    if (!window) return std::move(window).error();
    file.window_size = *window;
  } else if (name == "RATE_LIMIT") {
    file.rate_limit_line = line;
  } else if (name == "DISALLOW_REUSE") {
    file.disallow_reuse_line = line;
    return parse_used_steps(line, value, file);
  } else if (name == "TIME_SKEW" && parse_skew(value)) {
    file.time_skew = *parse_skew(value);
    if (file.time_skew != 0) file.time_skew_line = line;
  } else if (name != "RESETTING_TIME_SKEW") {  // that one is the module's scratch state
    file.ignored.push_back({line, std::string(name)});
  }
  return Ok{};
}

// google-authenticator reads a scratch code with strtoul and wants 10000000..99999999.
bool is_scratch_code(std::string_view line) {
  return line.size() == kScratchCodeDigits && line.front() != '0' &&
         std::all_of(line.begin(), line.end(), is_digit);
}

Status add_scratch_code(std::size_t line, std::string_view text, GaFile& file) {
  if (!is_scratch_code(text)) {
    return bad_line(line, "neither an option nor an 8-digit scratch code");
  }
  for (const SecretString& known : file.scratch_codes) {
    if (known.view() == text) {
      ++file.repeated_scratch_codes;
      return Ok{};
    }
  }
  if (file.scratch_codes.size() == kMaxGaScratchCodes) {
    return bad_line(line, "more than " + std::to_string(kMaxGaScratchCodes) + " scratch codes");
  }
  file.scratch_codes.emplace_back(text);
  return Ok{};
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// google-authenticator's counter-based window: the expected counter and the next
// WINDOW_SIZE - 1 (its check_counterbased_code).
std::string hotp_window_warning(const GaFile& file, unsigned hotp_window) {
  const unsigned ahead = file.window_size - 1;
  if (ahead == hotp_window) return {};
  std::string text = "google-authenticator accepted a code up to " + std::to_string(ahead) +
                     (ahead == 1 ? " press" : " presses") +
                     " ahead of the expected one (WINDOW_SIZE " + std::to_string(file.window_size) +
                     "); pam_sshotp's hotp_window setting accepts " + std::to_string(hotp_window) +
                     ", for every user";
  if (hotp_window < ahead) text += ": a token pressed further ahead needs `sshotp-enroll resync`";
  return text;
}

std::string window_warning(const GaFile& file, unsigned window) {
  const unsigned before = (file.window_size - 1) / 2;  // the module's loop bounds
  const unsigned after = file.window_size / 2;
  if (before == window && after == window) return {};
  std::string text = "google-authenticator accepted codes from " + plural(before, "step") +
                     " before to " + std::to_string(after) +
                     " after the current one (WINDOW_SIZE " + std::to_string(file.window_size) +
                     "); pam_sshotp's window setting accepts " + std::to_string(window) +
                     " either side, for every user";
  if (window < std::max(before, after)) {
    text += ": codes from a device whose clock is further off will be refused";
  }
  return text;
}

// The parameters the file's setup maps to, or why pam_sshotp cannot take it over.
Result<OtpParams> migratable_params(const GaFile& file) {
  auto refuse = [](const std::string& why) { return make_error(Errc::invalid_argument, why); };
  // HOTP_COUNTER wins over TOTP_AUTH, as in the module.
  if (!file.hotp_counter && !file.totp_auth) {
    return refuse("neither TOTP_AUTH nor HOTP_COUNTER: neither a time- nor a counter-based setup");
  }
  const KeyLength length = classify_key_length(file.secret.size());
  if (length == KeyLength::too_short || length == KeyLength::too_long) {
    return refuse(key_length_problem(file.secret.size()));
  }
  OtpParams params;
  params.algorithm = Algorithm::sha1;
  params.digits = 6;
  if (file.hotp_counter) {
    params.period = kCounterBased;
    return params;
  }
  params.period = file.step_size;
  if (!validate_params(params)) {
    return refuse("STEP_SIZE " + std::to_string(file.step_size) +
                  " is not supported: pam_sshotp takes steps of 15 to 120 seconds; enroll the "
                  "user anew");
  }
  return params;
}

// One sentence for every setting of the file that does not carry over as it was.
std::vector<std::string> migration_warnings(const GaFile& file, const GaWindows& windows) {
  std::vector<std::string> warnings;
  auto warn = [&warnings](std::string text) {
    if (!text.empty()) warnings.push_back(std::move(text));
  };
  warn(key_length_problem(file.secret.size()));
  warn(file.hotp_counter ? hotp_window_warning(file, windows.hotp)
                         : window_warning(file, windows.totp));
  if (file.rate_limit_line) {
    warn("RATE_LIMIT (line " + std::to_string(*file.rate_limit_line) +
         ") is not carried over: pam_sshotp's lockout (max_failures, lockout_time) limits "
         "guessing instead");
  }
  if (file.disallow_reuse_line) {
    warn("DISALLOW_REUSE (line " + std::to_string(*file.disallow_reuse_line) +
         ") is not carried over, and not needed: pam_sshotp always refuses a code used before");
  }
  // The skew itself is not quoted: it is a number from the file, and may well be a scratch code.
  if (file.time_skew_line) {
    warn("TIME_SKEW (line " + std::to_string(*file.time_skew_line) +
         ") is not carried over: google-authenticator corrected for this device's clock being "
         "off; pam_sshotp does not, so set the device's clock right");
  }
  for (const GaIgnoredOption& option : file.ignored) {
    warn("line " + std::to_string(option.line) + ": " +
         (option.name.empty() ? std::string("an unrecognised option line")
                              : "option " + option.name) +
         " is not carried over");
  }
  if (file.repeated_scratch_codes > 0) {
    warn(plural(file.repeated_scratch_codes, "scratch code line") +
         " repeated an earlier code; each code is stored once");
  }
  if (file.scratch_codes.empty()) {
    warn(
        "the file has no scratch codes, so there are no recovery codes until "
        "`sshotp-enroll recovery` makes some");
  }
  return warnings;
}

}  // namespace

Result<GaFile> parse_google_authenticator(std::string_view text) {
  if (text.empty()) return make_error(Errc::invalid_argument, "the file is empty");
  if (text.find('\0') != std::string_view::npos) {
    return make_error(Errc::invalid_argument,
                      "the file contains NUL bytes: not a google-authenticator file");
  }
  const std::vector<std::string_view> lines = split_lines(text);
  GaFile file;
  auto secret = parse_secret_line(lines.front());
  if (!secret) return std::move(secret).error();
  file.secret = std::move(secret).value();
  std::set<std::string> seen;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    const std::string_view current = lines[i];
    if (current.empty()) continue;
    Status st = current.front() == '"' ? parse_option(line, current, seen, file)
                                       : add_scratch_code(line, current, file);
    if (!st) return std::move(st).error();
  }
  return file;
}

Result<GaMigration> plan_google_authenticator(const GaFile& file, const GaWindows& windows) {
  auto params = migratable_params(file);
  if (!params) return std::move(params).error();
  return GaMigration{*params, migration_warnings(file, windows)};
}

}  // namespace sshotp::cli
