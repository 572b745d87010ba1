// SPDX-License-Identifier: BSD-3-Clause
// Fuzzes the google-authenticator state file parser and migration planner (`sshotp-enroll
// migrate`): the file belongs to the user, so every byte is hostile. Oracles: an accepted file
// has a key, google-authenticator's own bounds and at most 100 distinct 8-digit scratch codes;
// a plan keeps SHA1, 6 digits and the file's step size (counter-based: the period that marks
// HOTP); and no message, refusal or warning, ever quotes the key line or a scratch code.
#include <algorithm>
#include <set>
#include <string>

#include "common/hotp.h"
#include "enroll/migrate/parsers/google_authenticator_file.h"
#include "enroll/migrate/parsers/parser_basics.h"
#include "tests/fuzz/fuzz_support.h"

using namespace sshotp;
using sshotp::fuzz::require;

namespace {

// The lines a message must never contain: a key line (base32 characters only, 16 or more: the
// shortest key carried over has 80 bits) and every line shaped like a scratch code. Anything
// looser would flag the fixed words of a message, which the fuzzer soon learns to type.
std::vector<std::string_view> secret_lines(std::string_view text) {
  auto all_of = [](std::string_view line, auto accept) {
    return std::all_of(line.begin(), line.end(), accept);
  };
  auto base32 = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7') || c == '=';
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::vector<std::string_view> secrets;
  const std::vector<std::string_view> lines = cli::split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const bool key_line = i == 0 && line.size() >= 16 && all_of(line, base32);
    const bool scratch_code = line.size() == 8 && all_of(line, digit);
    if (key_line || scratch_code) secrets.push_back(line);
  }
  return secrets;
}

void require_quotes_nothing(const std::string& message, std::string_view text) {
  for (std::string_view secret : secret_lines(text)) {
    require(message.find(secret) == std::string::npos, "a message never quotes a key or code");
  }
}

void require_sane_file(const cli::GaFile& file) {
  require(!file.secret.empty(), "an accepted file has a key");
  require(file.step_size >= 1 && file.step_size <= 60, "STEP_SIZE within 1-60");
  require(file.window_size >= 1 && file.window_size <= 100, "WINDOW_SIZE within 1-100");
  require(file.scratch_codes.size() <= cli::kMaxGaScratchCodes, "at most 100 scratch codes");
  require(!file.hotp_counter || (*file.hotp_counter >= 1 && *file.hotp_counter <= kMaxHotpCounter),
          "HOTP_COUNTER within 1 and the largest counter we compute");
  std::set<std::string_view> distinct;
  for (const SecretString& code : file.scratch_codes) {
    const std::string_view c = code.view();
    require(c.size() == 8 && c.front() != '0' &&
                std::all_of(c.begin(), c.end(), [](char d) { return d >= '0' && d <= '9'; }),
            "a scratch code is 10000000-99999999");
    require(distinct.insert(c).second, "scratch codes are distinct");
  }
  for (const cli::GaIgnoredOption& option : file.ignored) {
    require(std::all_of(option.name.begin(), option.name.end(),
                        [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }),
            "an ignored option is named by upper case letters and '_' only");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  auto file = cli::parse_google_authenticator(text);
  if (!file) {
    require(file.error().code == Errc::invalid_argument, "a bad file is invalid_argument");
    require_quotes_nothing(file.error().message, text);
    return 0;
  }
  require_sane_file(*file);
  for (unsigned window : {0U, 1U, 10U}) {
    auto plan = cli::plan_google_authenticator(*file, {window, window});
    if (!plan) {
      require_quotes_nothing(plan.error().message, text);
      continue;
    }
    require(validate_params(plan->params).ok(), "a plan has parameters pam_sshotp supports");
    const unsigned period = file->hotp_counter ? kCounterBased : file->step_size;
    require(plan->params.algorithm == Algorithm::sha1 && plan->params.digits == 6 &&
                plan->params.period == period,
            "a plan keeps SHA1, 6 digits and the step size (or is counter-based)");
    for (const std::string& warning : plan->warnings) require_quotes_nothing(warning, text);
  }
  return 0;
}
