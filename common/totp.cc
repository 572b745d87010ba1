// SPDX-License-Identifier: BSD-3-Clause
#include "common/totp.h"

#include <oath.h>

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

}  // namespace

std::int64_t time_step(std::int64_t unix_time, unsigned period) noexcept {
  return unix_time / static_cast<std::int64_t>(period);
}

Result<SecretString> totp_code(const SecureBytes& key, const OtpParams& params,
                               std::int64_t step) {
  if (auto st = validate_params(params); !st) return std::move(st).error();
  OathSession oath;
  if (!oath.ok()) return make_error(Errc::crypto, "liboath initialisation failed");
  char out[16] = {};
  // liboath derives the counter from a time, so hand it the first second of the step.
  const auto at = static_cast<time_t>(step * static_cast<std::int64_t>(params.period));
  int rc =
      oath_totp_generate2(reinterpret_cast<const char*>(key.data()), key.size(), at, params.period,
                          time_t{0} /* T0 */, params.digits, oath_flags(params.algorithm), out);
  SecretString code(out);
  secure_wipe(out, sizeof out);
  if (rc != OATH_OK) {
    return make_error(Errc::crypto,
                      std::string("TOTP generation failed: ") + oath_strerror_name(rc));
  }
  return code;
}

Result<std::optional<std::int64_t>> totp_match(const SecureBytes& key, const OtpParams& params,
                                               std::int64_t unix_time, unsigned window,
                                               std::string_view code) {
  // Before time_step(): a period of 0 would divide by zero there.
  if (auto st = validate_params(params); !st) return std::move(st).error();
  const std::int64_t current = time_step(unix_time, params.period);
  const auto w = static_cast<std::int64_t>(window);
  std::optional<std::int64_t> matched;
  for (std::int64_t step = current - w; step <= current + w; ++step) {
    auto candidate = totp_code(key, params, step);
    if (!candidate) return std::move(candidate).error();
    // No early exit: each step costs the same whether or not an earlier one matched.
    // Ascending order means the earliest matching step wins if two ever collide, which
    // the caller's replay rule (step > last used) treats conservatively.
    if (ct_equal(candidate->view(), code) && !matched) matched = step;
  }
  return matched;
}

}  // namespace sshotp
