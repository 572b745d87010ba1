// SPDX-License-Identifier: BSD-3-Clause
// The store interface: enrollments and their replay state, changed only inside write
// transactions. SQLite implements it today (sqlite_store.h); a PostgreSQL backend for fleets can
// implement the same contract. The contract that matters for security:
//   * begin_write() serialises writers (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR
//     UPDATE), so check-then-consume inside one transaction cannot be raced;
//   * nothing is visible to other logins until commit() returns Ok;
//   * destroying an uncommitted transaction rolls it back.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "common/result.h"
#include "common/totp.h"

namespace sshotp {

struct Enrollment {
  std::string user;
  TotpParams totp;
  SealedBlob sealed_secret;    // AES-GCM, AAD = secret_aad(user)
  std::int64_t last_step = -1;  // newest accepted time step; a code at or before it is a replay
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
};

class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;  // rolls back unless commit() succeeded

  virtual Result<std::optional<Enrollment>> find(std::string_view user) = 0;
  virtual Result<std::vector<Enrollment>> list() = 0;
  // Inserts or replaces the user's enrollment (a fresh enrollment resets replay state).
  virtual Status put(const Enrollment& enrollment) = 0;
  // Returns whether a row was removed.
  virtual Result<bool> remove(std::string_view user) = 0;
  // Records `step` as used, but only if it is newer than the stored last step: the conditional
  // update is the replay guard. Returns false if nothing changed (already used).
  virtual Result<bool> consume_step(std::string_view user, std::int64_t step,
                                    std::int64_t now) = 0;
  virtual Status commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Waits up to the busy timeout for other writers, then fails with Errc::busy.
  virtual Result<std::unique_ptr<StoreTransaction>> begin_write() = 0;
};

}  // namespace sshotp
