// SPDX-License-Identifier: BSD-3-Clause
// Checking an enrollment row's columns (see enrollment_row.h).
#include "common/enrollment_row.h"

#include <algorithm>

namespace sshotp {

namespace {
// A sealed secret is IV + ciphertext + tag of at most 64 bytes of key: anything near this bound
// is not one of ours, and must not make us allocate whatever a corrupt row says.
constexpr std::size_t kMaxSealedBytes = 4096;
}  // namespace

Error corrupt_row(const std::string& where, std::string_view user, const char* field) {
  return make_error(Errc::unavailable, where + ": corrupt enrollment row for user '" +
                                           std::string(user) + "' (" + field + ")");
}

Result<Enrollment> secret_from_columns(const SecretColumns& c, const std::string& where) {
  Enrollment e;
  auto corrupt = [&](const char* field) { return corrupt_row(where, e.user, field); };
  if (!c.user) return corrupt("user");
  e.user = std::string(*c.user);
  auto algorithm = c.algorithm ? parse_algorithm(*c.algorithm) : std::nullopt;
  if (!algorithm) return corrupt("algorithm");
  e.otp.algorithm = *algorithm;
  if (c.digits < 0 || c.digits > 100 || c.period < 0 || c.period > 1000) {
    return corrupt("parameters");
  }
  e.otp.digits = static_cast<unsigned>(c.digits);
  e.otp.period = static_cast<unsigned>(c.period);
  if (!validate_params(e.otp)) return corrupt("parameters");
  if (!c.sealed_secret || c.sealed_secret->empty() || c.sealed_secret->size() > kMaxSealedBytes) {
    return corrupt("sealed_secret");
  }
  e.sealed_secret.assign(c.sealed_secret->begin(), c.sealed_secret->end());
  return e;
}

Status add_active_columns(Enrollment& e, const ActiveColumns& c, const std::string& where) {
  // A token's counter beyond the bound would make hotp_match() refuse every login with an error;
  // say which row instead.
  if (e.otp.kind() == OtpKind::hotp && (c.last_step < -1 || c.last_step > kMaxHotpCounter)) {
    return corrupt_row(where, e.user, "last_step");
  }
  e.last_step = c.last_step;
  e.created_at = c.created_at;
  e.last_used_at = c.last_used_at;
  e.lockout = c.lockout;
  if (e.lockout.failures < 0 || e.lockout.lockouts < 0)
    return corrupt_row(where, e.user, "lockout");
  if (c.last_host) {
    // Printed by `list` and `status`: what host_name.h writes, nothing a terminal would act on.
    const bool printable =
        c.last_host->size() <= 255 && std::all_of(c.last_host->begin(), c.last_host->end(),
                                                  [](char ch) { return ch > 0x20 && ch < 0x7f; });
    if (!printable) return corrupt_row(where, e.user, "last_host");
    e.last_host = std::string(*c.last_host);
  }
  const std::string_view state = c.state.value_or("");
  if (state == state_name(EnrollmentState::active)) {
    e.state = EnrollmentState::active;
  } else if (state == state_name(EnrollmentState::disabled)) {
    e.state = EnrollmentState::disabled;
  } else {
    return corrupt_row(where, e.user, "state");
  }
  return Ok{};
}

}  // namespace sshotp
