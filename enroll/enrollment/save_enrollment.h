// SPDX-License-Identifier: BSD-3-Clause
// Storing a new enrollment with its first recovery codes, in one transaction: what `enroll`
// (at confirmation) and `import` do last.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"
#include "common/totp.h"
#include "enroll/cli/store_access.h"

namespace sshotp::cli {

// Seals `secret` for `user` and stores it as their enrollment, with a fresh set of
// `recovery_codes` codes, in one transaction: the previous enrollment and codes are replaced
// together or not at all. last_step -1 means no code has been used yet. `also`, if given, runs
// first in the same transaction (checks and changes that must commit with it; an error rolls
// everything back). Returns the codes to show.
using InTransaction = std::function<Status(StoreTransaction& txn)>;
Result<std::vector<SecretString>> save_enrollment(const WritableStore& target,
                                                  const std::string& user, const OtpParams& params,
                                                  const SecureBytes& secret, std::int64_t last_step,
                                                  unsigned recovery_codes,
                                                  const InTransaction& also = {});

}  // namespace sshotp::cli
