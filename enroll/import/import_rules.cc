// SPDX-License-Identifier: BSD-3-Clause
// The TOTP parameter options and the imported-key rules of `import` (see import_rules.h).
#include "enroll/import/import_rules.h"

#include <climits>
#include <string>

#include "common/base32.h"
#include "common/text.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"

namespace sshotp::cli {
namespace {

// RFC 4226 §4 R6: the shared secret MUST be at least 128 bits. The upper bound only stops
// absurd input; 64 bytes is a full SHA-512 block (the RFC 6238 SHA-512 test key).
constexpr std::size_t kMinImportBytes = 16;
constexpr std::size_t kMaxImportBytes = 128;

// One numeric TOTP parameter, range-checked by the same rule the core applies.
std::optional<unsigned> parse_param(const char* text, unsigned OtpParams::*field) {
  auto n = parse_number(text, 0, UINT_MAX);
  if (!n) return std::nullopt;
  OtpParams probe;
  probe.*field = static_cast<unsigned>(*n);
  if (!validate_params(probe)) return std::nullopt;
  return probe.*field;
}

}  // namespace

std::vector<struct option> with_totp_param_options(std::initializer_list<struct option> own) {
  std::vector<struct option> all(own);
  all.push_back({"algorithm", required_argument, nullptr, kAlgorithmOption});
  all.push_back({"digits", required_argument, nullptr, kDigitsOption});
  all.push_back({"period", required_argument, nullptr, kPeriodOption});
  all.push_back({nullptr, 0, nullptr, 0});
  return all;
}

std::optional<Exit> TotpParamOptions::handle(int option, const char* value) {
  if (option == kAlgorithmOption) {
    algorithm_ = parse_algorithm(value);
    if (!algorithm_) return usage_error("--algorithm: must be sha1, sha256 or sha512");
  } else if (option == kDigitsOption) {
    digits_ = parse_param(value, &OtpParams::digits);
    if (!digits_) return usage_error("--digits: must be 6 or 8");
  } else if (option == kPeriodOption) {
    period_ = parse_param(value, &OtpParams::period);
    if (!period_) return usage_error("--period: must be 15 to 120");
  }
  return std::nullopt;
}

OtpParams TotpParamOptions::applied_to(OtpParams params) const {
  if (algorithm_) params.algorithm = *algorithm_;
  if (digits_) params.digits = *digits_;
  if (period_) params.period = *period_;
  return params;
}

Result<SecureBytes> decode_imported_key(std::string_view base32) {
  auto bad = [](const std::string& why) { return make_error(Errc::invalid_argument, why); };
  auto key = base32_decode(base32);
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
