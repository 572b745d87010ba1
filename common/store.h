// SPDX-License-Identifier: BSD-3-Clause
// The store interface: enrollments and their replay state, changed only inside write
// transactions. SQLite implements it in the core (sqlite_store.h), PostgreSQL in a plugin for
// fleets (common/postgresql/, loaded by store_factory.h). The contract that matters for security:
//   * begin_write() serialises the writers of one user, so check-then-consume inside one
//     transaction cannot be raced. SQLite: BEGIN IMMEDIATE, one writer at a time. PostgreSQL:
//     find() in a write transaction locks the user's row (SELECT ... FOR UPDATE) until the end
//     of the transaction, so the logins of one user queue on every host while other users'
//     go on; and every write that decides something (consume_step, consume_recovery_code,
//     record_failure) is one conditional statement that is race-free on its own;
//   * nothing is visible to other logins until commit() returns Ok;
//   * destroying an uncommitted transaction rolls it back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "common/lockout.h"
#include "common/recovery_codes.h"
#include "common/result.h"
#include "common/totp.h"

namespace sshotp {

enum class EnrollmentState {
  active,    // logins are checked against this secret
  disabled,  // suspended by an admin: logins are refused until `sshotp-enroll enable`
};

// "active" / "disabled", as stored and as shown by the CLI.
inline const char* state_name(EnrollmentState state) noexcept {
  return state == EnrollmentState::disabled ? "disabled" : "active";
}

struct Enrollment {
  std::string user;
  EnrollmentState state = EnrollmentState::active;
  OtpParams otp;
  SealedBlob sealed_secret;    // AES-GCM, AAD = secret_aad(user)
  std::int64_t last_step = -1;  // newest accepted time step; a code at or before it is a replay
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
  // The host (host_name.h) of the login that last consumed a code: on a fleet store, where.
  std::optional<std::string> last_host;
  LockoutState lockout;  // consecutive failures and lock, persisted across connections
};

struct RecoveryCodeRow {
  std::int64_t id = 0;  // 1..N within the user's current set
  RecoveryCodeHash hash;
  std::optional<std::int64_t> used_at;  // when it was used; absent: still unused
};

// One user as `list` shows them: what for_each_listing() hands to its visitor.
struct EnrollmentListing {
  // The active enrollment or, if there is none, the pending one; of a pending one only user,
  // totp, sealed_secret and created_at are meaningful.
  Enrollment enrollment;
  bool pending = false;
  std::size_t unused_recovery_codes = 0;
};

// What a store knows about the key its secrets are sealed under (key_check.h decides with it).
using KeyCheckValue = std::vector<std::uint8_t>;
struct KeyCheckFacts {
  // Recorded by the first CLI write transaction; absent in stores made before it existed.
  std::optional<KeyCheckValue> check_value;
  std::int64_t enrollments = 0;  // users with an active or pending enrollment
  // One of their sealed secrets (only user and sealed_secret are meaningful): opening it proves
  // a key belongs to the store when no check value is recorded yet.
  std::optional<Enrollment> sample;
};

class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;  // rolls back unless commit() succeeded

  virtual Result<std::optional<Enrollment>> find(std::string_view user) = 0;
  // Calls `visit` once per user with an active or pending enrollment, ordered by user, with the
  // count of unused recovery codes, in one statement. Rows are read one at a time, so memory
  // stays flat however many users there are. Stops at the first error, including one returned
  // by `visit`.
  virtual Status for_each_listing(const std::function<Status(const EnrollmentListing&)>& visit) = 0;
  // Inserts or replaces the user's enrollment (a fresh enrollment resets replay state). Recovery
  // codes are left alone; replace_recovery_codes() manages them.
  virtual Status put(const Enrollment& enrollment) = 0;
  // Bulk provisioning (`import --batch`): adds each enrollment in order, as put() would for a
  // new user, but never replaces one. At the first user who already has an enrollment it stops
  // and returns that index; the rows before it are written, so the caller must then drop the
  // transaction uncommitted. Returns nothing when every row was added. This default is find()
  // and put() per row; SQLite overrides it with one prepared statement for all rows.
  virtual Result<std::optional<std::size_t>> insert_many(std::span<const Enrollment> enrollments) {
    for (std::size_t i = 0; i < enrollments.size(); ++i) {
      auto found = find(enrollments[i].user);
      if (!found) return std::move(found).error();
      if (*found) return std::optional<std::size_t>(i);
      if (auto st = put(enrollments[i]); !st) return std::move(st).error();
    }
    return std::optional<std::size_t>();
  }
  // Removes the enrollment, any pending one and the recovery codes; returns whether the user
  // was enrolled (or pending).
  virtual Result<bool> remove(std::string_view user) = 0;
  // Returns false if the user is not enrolled.
  virtual Result<bool> set_state(std::string_view user, EnrollmentState state) = 0;

  // A pending enrollment is a new secret waiting for its first correct code. It lives beside
  // the active one (which keeps working) and is never used for logins; confirming it means
  // put() + remove_pending() in one transaction. Only user, totp, sealed_secret and created_at
  // are meaningful.
  virtual Status put_pending(const Enrollment& enrollment) = 0;
  virtual Result<std::optional<Enrollment>> find_pending(std::string_view user) = 0;
  virtual Result<bool> remove_pending(std::string_view user) = 0;
  // Records `step` as used, but only if it is newer than the stored last step: the conditional
  // update is the replay guard. Returns false if nothing changed (already used). The same
  // statement records `now` and this host (host_name.h) as the last use.
  virtual Result<bool> consume_step(std::string_view user, std::int64_t step,
                                    std::int64_t now) = 0;
  // Sets the lockout state outright: a success's reset, and `sshotp-enroll unlock`.
  virtual Status set_lockout(std::string_view user, const LockoutState& state) = 0;
  // Counts one failed attempt and returns the state it led to, computed by the store inside the
  // statement that writes it, by after_failure()'s rule (lockout.h, which the tests hold every
  // backend to). A read-modify-write in C++ would be safe under SQLite's single writer, but on
  // a fleet store it would be one more place where a lost update hides; arithmetic in the
  // UPDATE cannot lose a count whoever else writes the row. Fails with not_found without a row.
  virtual Result<LockoutState> record_failure(std::string_view user, const LockoutPolicy& policy,
                                              std::int64_t now) = 0;

  // The user's recovery codes that have not been used yet.
  virtual Result<std::vector<RecoveryCodeRow>> unused_recovery_codes(std::string_view user) = 0;
  // Marks one code used, only if it is still unused (the guard against two logins racing with
  // the same code). Returns false if it was already used. `id` names a code of the set that
  // unused_recovery_codes() returned only while no other transaction can replace the set
  // (replace_recovery_codes() numbers each new set 1..N again): so every writer of a user's
  // codes first holds the user's enrollment row, by find() or put() in its write transaction
  // (PostgreSQL: FOR UPDATE or the upsert's row lock; SQLite: its single writer).
  // Like consume_step(), it records `now` and this host as the user's last use.
  virtual Result<bool> consume_recovery_code(std::string_view user, std::int64_t id,
                                             std::int64_t now) = 0;
  // Every recovery code of the user, used ones too (with used_at), ordered by id: for moving
  // a store (`sshotp-enroll db copy`), which must keep a used code used.
  virtual Result<std::vector<RecoveryCodeRow>> all_recovery_codes(std::string_view user) = 0;
  // Replaces the user's whole set with `rows` as they are: their ids and used_at.
  virtual Status put_recovery_codes(std::string_view user,
                                    const std::vector<RecoveryCodeRow>& rows) = 0;
  // Replaces the user's whole set with fresh, unused codes (ids 1..N in order).
  Status replace_recovery_codes(std::string_view user, const std::vector<RecoveryCodeHash>& codes) {
    std::vector<RecoveryCodeRow> rows;
    rows.reserve(codes.size());
    for (const RecoveryCodeHash& code : codes) {
      rows.push_back({static_cast<std::int64_t>(rows.size()) + 1, code, std::nullopt});
    }
    return put_recovery_codes(user, rows);
  }
  // The recorded key check value alone, absent until the first CLI write records one: a single
  // small read, all that a CLI write transaction needs when the value matches (key_check.h).
  virtual Result<std::optional<KeyCheckValue>> recorded_key_check() = 0;
  // The key check value and what a key can be tested against, counting every enrollment: read
  // only when the recorded value is missing or differs (key_check.h); logins never do.
  virtual Result<KeyCheckFacts> key_check_facts() = 0;
  // Records the key check value, replacing any recorded one.
  virtual Status set_key_check(const KeyCheckValue& value) = 0;
  // Counts a refused attempt by a user who is not enrolled (see verifier.cc for why).
  virtual Status record_unenrolled_attempt() = 0;
  // Makes the transaction visible to other logins and waits until it is on disk: a power cut
  // after Ok cannot undo it. Anything that consumes a code or changes an enrollment uses this.
  virtual Status commit() = 0;
  // Visible at once and safe against a crash of any process, but not waited for: a power cut in
  // the next moment may lose it. Only for bookkeeping whose loss is harmless, such as one more
  // failure count, so that refusals cost no disk sync.
  virtual Status commit_unsynced() = 0;
};

enum class OpenMode {
  existing,   // the module: the store must exist and be initialised, or we fail closed
  create,     // the CLI: create what is missing on first use (SQLite: the directory 0700 and the
              // file 0600; PostgreSQL creates nothing: `sshotp-enroll db init` does, as the owner)
  read_only,  // `sshotp-enroll db copy`'s source, a SQLite file: opened read-only, never
              // migrated (an older schema is refused) and never written
};

class Store {
 public:
  virtual ~Store() = default;
  // Waits up to the busy timeout for other writers, then fails with Errc::busy.
  virtual Result<std::unique_ptr<StoreTransaction>> begin_write() = 0;
  // A snapshot for looking only (listing, the pre-prompt lock check); it never blocks writers.
  // Decisions that write must be taken again inside begin_write().
  virtual Result<std::unique_ptr<StoreTransaction>> begin_read() = 0;
};

}  // namespace sshotp
