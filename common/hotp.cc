// SPDX-License-Identifier: BSD-3-Clause
#include "common/hotp.h"

#include <oath.h>

#include <algorithm>
#include <vector>

namespace sshotp {
namespace {

int oath_flags(Algorithm a) {
  switch (a) {
    case Algorithm::sha256:
      return OATH_TOTP_HMAC_SHA256;
    case Algorithm::sha512:
      return OATH_TOTP_HMAC_SHA512;
    case Algorithm::sha1:
      break;
  }
  return 0;
}

// liboath's init/done only set up its crypto backend and are cheap; pairing them per call keeps
// the module free of global state across sshd's fork-per-attempt model (as pam_oath does).
class OathSession {
 public:
  OathSession() : rc_(oath_init()) {}
  ~OathSession() {
    if (rc_ == OATH_OK) oath_done();
  }
  OathSession(const OathSession&) = delete;
  OathSession& operator=(const OathSession&) = delete;
  bool ok() const { return rc_ == OATH_OK; }

 private:
  int rc_;
};

// Any step length works: liboath divides the time we give it by the step again.
constexpr unsigned kStepSeconds = 30;

}  // namespace

Result<SecretString> hotp_code(const SecureBytes& key, const OtpParams& params,
                               std::int64_t counter) {
  if (params.digits != 6 && params.digits != 8) {
    return make_error(Errc::invalid_argument, "digits must be 6 or 8");
  }
  if (counter < 0 || counter > kMaxHotpCounter) {
    return make_error(Errc::invalid_argument, "counter out of range");
  }
  OathSession oath;
  if (!oath.ok()) return make_error(Errc::crypto, "liboath initialisation failed");
  char out[16] = {};
  // liboath's HOTP call knows HMAC-SHA-1 only; its TOTP call takes the algorithm and computes
  // HOTP(K, floor(time / step)) (RFC 6238 §4.2, T0 = 0), so hand it the counter's first second.
  const auto at = static_cast<time_t>(counter * std::int64_t{kStepSeconds});
  const int rc =
      oath_totp_generate2(reinterpret_cast<const char*>(key.data()), key.size(), at, kStepSeconds,
                          time_t{0}, params.digits, oath_flags(params.algorithm), out);
  SecretString code(out);
  secure_wipe(out, sizeof out);
  if (rc != OATH_OK) {
    return make_error(Errc::crypto,
                      std::string("OTP generation failed: ") + oath_strerror_name(rc));
  }
  return code;
}

Result<std::optional<std::int64_t>> hotp_match(const SecureBytes& key, const OtpParams& params,
                                               std::int64_t last_used, unsigned window,
                                               std::string_view code) {
  if (last_used < -1 || last_used > kMaxHotpCounter) {
    return make_error(Errc::invalid_argument, "last used counter out of range");
  }
  const auto w = static_cast<std::int64_t>(window);
  const std::int64_t first = std::max<std::int64_t>(0, last_used + 1 - w);
  const std::int64_t last = std::min(last_used + 1 + w, kMaxHotpCounter);
  std::optional<std::int64_t> matched;
  for (std::int64_t counter = first; counter <= last; ++counter) {
    auto candidate = hotp_code(key, params, counter);
    if (!candidate) return std::move(candidate).error();
    // No early exit: each counter costs the same whether or not an earlier one matched.
    if (ct_equal(candidate->view(), code) && !matched) matched = counter;
  }
  return matched;
}

Result<std::optional<std::int64_t>> hotp_find_pair(const SecureBytes& key, const OtpParams& params,
                                                   std::int64_t last_used, std::string_view first,
                                                   std::string_view second) {
  if (last_used < -1 || last_used > kMaxHotpCounter) {
    return make_error(Errc::invalid_argument, "last used counter out of range");
  }
  const std::int64_t from = last_used + 1;
  const std::int64_t to = std::min(from + std::int64_t{kResyncRange}, kMaxHotpCounter);
  std::optional<std::int64_t> matched;
  bool previous_matched = false;  // code(counter - 1) == first
  for (std::int64_t counter = from; counter <= to; ++counter) {
    auto candidate = hotp_code(key, params, counter);
    if (!candidate) return std::move(candidate).error();
    const bool is_second = ct_equal(candidate->view(), second);
    if (previous_matched && is_second && !matched) matched = counter - 1;
    previous_matched = ct_equal(candidate->view(), first);
  }
  return matched;
}

}  // namespace sshotp
