// SPDX-License-Identifier: BSD-3-Clause
// Sealing and storing a new enrollment (see save_enrollment.h).
#include "enroll/enrollment/save_enrollment.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "enroll/enrollment/recovery_set.h"

namespace sshotp::cli {

Result<std::vector<SecretString>> save_enrollment(const WritableStore& target,
                                                  const std::string& user, const OtpParams& params,
                                                  const SecureBytes& secret, std::int64_t last_step,
                                                  unsigned recovery_codes,
                                                  const InTransaction& also) {
  auto sealed = seal(target.key, secret, secret_aad(user));
  if (!sealed) return std::move(sealed).error();
  auto recovery = new_recovery_set(target.key, user, recovery_codes);
  if (!recovery) return std::move(recovery).error();
  Enrollment enrollment;
  enrollment.user = user;
  enrollment.otp = params;
  enrollment.sealed_secret = std::move(sealed).value();
  enrollment.last_step = last_step;
  enrollment.created_at = now_unix();
  auto txn = target.store->begin_write();
  if (!txn) return std::move(txn).error();
  if (also) {
    if (auto st = also(**txn); !st) return std::move(st).error();
  }
  if (auto st = (*txn)->put(enrollment); !st) return std::move(st).error();
  if (auto st = (*txn)->replace_recovery_codes(user, recovery->hashes); !st) {
    return std::move(st).error();
  }
  if (auto st = (*txn)->commit(); !st) return std::move(st).error();
  return std::move(recovery->codes);
}

}  // namespace sshotp::cli
