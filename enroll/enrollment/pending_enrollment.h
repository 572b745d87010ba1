// SPDX-License-Identifier: BSD-3-Clause
// A new secret on its way in. It is stored as the user's pending enrollment (store.h) before it
// is shown, and the active enrollment keeps working meanwhile: an interrupted `enroll` changes
// nothing that logs in, and `status` shows "pending since". Confirming it writes the enrollment,
// removes the pending row and issues fresh recovery codes in one transaction. Ending any other
// way withdraws the pending row; a killed process leaves it behind, which is harmless (it never
// logs in, and the next `enroll` replaces it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"
#include "common/totp.h"
#include "enroll/cli/store_access.h"

namespace sshotp::cli {

// What confirming must find unchanged for a caller other than root: the active enrollment they
// proved (or the absence of one). Root may replace whatever is there.
struct ConfirmRules {
  bool by_root = false;
  std::optional<SealedBlob> active_secret;  // the sealed secret seen before asking; none: none
};

class PendingEnrollment {
 public:
  PendingEnrollment(const WritableStore& target, std::string user, OtpParams params)
      : target_(target), user_(std::move(user)), params_(params) {}
  ~PendingEnrollment();  // withdraws the pending row unless it was confirmed
  PendingEnrollment(const PendingEnrollment&) = delete;
  PendingEnrollment& operator=(const PendingEnrollment&) = delete;

  // Seals `secret` and stores it as the user's pending enrollment (replacing an older one).
  Status begin(const SecureBytes& secret);

  // The transaction described above, once the user typed a code of step `step`. Refuses with
  // Errc::not_found, and saves nothing, if the pending row is no longer this one (another
  // `enroll` replaced it, or an administrator removed the user) or, for a caller other than
  // root, if the active enrollment changed or was disabled meanwhile.
  Result<std::vector<SecretString>> confirm(const SecureBytes& secret, std::int64_t step,
                                            unsigned recovery_codes, const ConfirmRules& rules);

 private:
  Status still_ours(StoreTransaction& txn) const;
  void withdraw();

  const WritableStore& target_;
  std::string user_;
  OtpParams params_;
  SealedBlob sealed_;  // what begin() stored: tells our pending row from another's
  bool stored_ = false;
};

}  // namespace sshotp::cli
