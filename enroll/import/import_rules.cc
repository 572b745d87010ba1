// SPDX-License-Identifier: BSD-3-Clause
// The import options and the imported-key rules of `import` (see import_rules.h).
#include "enroll/import/import_rules.h"

#include <climits>
#include <string>

#include "common/base32.h"
#include "common/hex.h"
#include "common/hotp.h"
#include "common/text.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"

namespace sshotp::cli {
namespace {

// RFC 4226 §4 R6: the shared secret MUST be at least 128 bits. The upper bound only stops
// absurd input; 64 bytes is a full SHA-512 block (the RFC 6238 SHA-512 test key).
constexpr std::size_t kMinImportBytes = 16;
constexpr std::size_t kMaxImportBytes = 128;

// One numeric parameter, range-checked by the same rule the core applies.
std::optional<unsigned> parse_param(const char* text, unsigned OtpParams::*field) {
  auto n = parse_number(text, 0, UINT_MAX);
  if (!n) return std::nullopt;
  OtpParams probe;
  probe.*field = static_cast<unsigned>(*n);
  if (!validate_params(probe)) return std::nullopt;
  return probe.*field;
}

}  // namespace

std::vector<struct option> with_import_options(std::initializer_list<struct option> own) {
  std::vector<struct option> all(own);
  all.push_back({"algorithm", required_argument, nullptr, kAlgorithmOption});
  all.push_back({"digits", required_argument, nullptr, kDigitsOption});
  all.push_back({"period", required_argument, nullptr, kPeriodOption});
  all.push_back({"hotp", no_argument, nullptr, kHotpOption});
  all.push_back({"counter", required_argument, nullptr, kCounterOption});
  all.push_back({"hex", no_argument, nullptr, kHexOption});
  all.push_back({nullptr, 0, nullptr, 0});
  return all;
}

const char* encoding_name(KeyEncoding encoding) noexcept {
  return encoding == KeyEncoding::hex ? "hex" : "base32";
}

std::optional<Exit> ImportOptions::handle(int option, const char* value) {
  if (option == kAlgorithmOption) {
    algorithm_ = parse_algorithm(value);
    if (!algorithm_) return usage_error("--algorithm: must be sha1, sha256 or sha512");
  } else if (option == kDigitsOption) {
    digits_ = parse_param(value, &OtpParams::digits);
    if (!digits_) return usage_error("--digits: must be 6 or 8");
  } else if (option == kPeriodOption) {
    // A period of kCounterBased (0) would pass the core's rule, which reads it as HOTP: a
    // counter-based import is asked for by --hotp, never by a period.
    period_ = parse_param(value, &OtpParams::period);
    if (!period_ || *period_ == kCounterBased) return usage_error("--period: must be 15 to 120");
  } else if (option == kCounterOption) {
    counter_ = parse_next_counter(value);
    if (!counter_) {
      return usage_error("--counter: must be a whole number from 0 to " +
                         std::to_string(kMaxHotpCounter));
    }
  } else if (option == kHotpOption) {
    hotp_ = true;
  } else if (option == kHexOption) {
    hex_ = true;
  }
  return std::nullopt;
}

std::optional<std::string> ImportOptions::conflict() const {
  if (hotp_ && period_) return "--period: a counter-based (--hotp) key has no period";
  if (!hotp_ && counter_) return "--counter: only with --hotp (a time-based key has no counter)";
  return std::nullopt;
}

OtpParams ImportOptions::applied_to(OtpParams params) const {
  if (algorithm_) params.algorithm = *algorithm_;
  if (digits_) params.digits = *digits_;
  if (period_) params.period = *period_;
  if (hotp_) params.period = kCounterBased;
  return params;
}

std::int64_t ImportOptions::last_step() const noexcept {
  return hotp_ ? last_step_before(counter_.value_or(0)) : -1;
}

std::int64_t last_step_before(std::int64_t next_counter) noexcept { return next_counter - 1; }

std::optional<std::int64_t> parse_next_counter(std::string_view text) {
  auto n = parse_number(text, 0, static_cast<std::uint64_t>(kMaxHotpCounter));
  if (!n) return std::nullopt;
  return static_cast<std::int64_t>(*n);
}

Result<SecureBytes> decode_imported_key(std::string_view text, KeyEncoding encoding) {
  auto bad = [](const std::string& why) { return make_error(Errc::invalid_argument, why); };
  auto key = encoding == KeyEncoding::hex ? hex_decode(text) : base32_decode(text);
  if (!key) return bad(key.error().message);
  if (key->size() < kMinImportBytes) {
    return bad("the key has " + std::to_string(key->size() * 8) + " bits; at least " +
               std::to_string(kMinImportBytes * 8) + " are required (RFC 4226)");
  }
  if (key->size() > kMaxImportBytes) {
    return bad("the key is longer than " + std::to_string(kMaxImportBytes) + " bytes");
  }
  return key;
}

}  // namespace sshotp::cli
