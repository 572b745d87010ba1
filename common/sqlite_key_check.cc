// SPDX-License-Identifier: BSD-3-Clause
// SqliteTransaction's share of the key check (key_check.h): reading the key_check table, with
// what a key can be tested against when it cannot decide, and recording the value. Only the CLI
// calls these, and the module's log after a secret failed to open.
#include <optional>
#include <utility>

#include "common/crypto.h"
#include "common/sqlite_support.h"
#include "common/sqlite_transaction.h"

namespace sshotp::sqlite {
namespace {

// The recorded value: one row of the one-row key_check table, cheap enough for every CLI write.
constexpr const char* kRecordedValue = "SELECT value FROM key_check WHERE id = 1";

// The number of enrolled users, counted as `list` shows them (an active enrollment, or else a
// pending one). It scans both tables, so it runs only when the recorded value cannot decide.
constexpr const char* kEnrollmentCount =
    "SELECT (SELECT count(*) FROM enrollments)"
    " + (SELECT count(*) FROM pending_enrollments"
    "    WHERE user NOT IN (SELECT user FROM enrollments))";

// Any one sealed secret, active or pending: both are sealed with secret_aad(user).
constexpr const char* kSampleSecret =
    "SELECT user, sealed_secret FROM enrollments"
    " UNION ALL SELECT user, sealed_secret FROM pending_enrollments LIMIT 1";

Error corrupt(const std::string& path, const char* what) {
  return make_error(Errc::unavailable, path + ": corrupt " + what);
}

Result<std::optional<Enrollment>> sample_secret(sqlite3* db, const std::string& path) {
  auto stmt = prepare(db, kSampleSecret);
  if (!stmt) return std::move(stmt).error();
  const int rc = sqlite3_step(stmt->get());
  if (rc == SQLITE_DONE) return std::optional<Enrollment>();
  if (rc != SQLITE_ROW) return db_error(db, rc, "reading enrollments");
  const unsigned char* user = sqlite3_column_text(stmt->get(), 0);
  const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt->get(), 1));
  const int size = sqlite3_column_bytes(stmt->get(), 1);
  if (user == nullptr || blob == nullptr || size <= 0) return corrupt(path, "enrollment row");
  Enrollment e;
  e.user = reinterpret_cast<const char*>(user);
  e.sealed_secret.assign(blob, blob + size);
  return std::optional<Enrollment>(std::move(e));
}

}  // namespace

Result<std::optional<KeyCheckValue>> SqliteTransaction::recorded_key_check() {
  auto stmt = prepare(db_, kRecordedValue);
  if (!stmt) return std::move(stmt).error();
  sqlite3_stmt* s = stmt->get();
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<KeyCheckValue>();
  if (rc != SQLITE_ROW) return db_error(db_, rc, "reading the key check value");
  const auto* value = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 0));
  const int size = sqlite3_column_bytes(s, 0);
  if (value == nullptr || size != static_cast<int>(kMacBytes)) {
    return corrupt(path_, "key check value");
  }
  return std::optional<KeyCheckValue>(std::in_place, value, value + size);
}

Result<KeyCheckFacts> SqliteTransaction::key_check_facts() {
  auto recorded = recorded_key_check();
  if (!recorded) return std::move(recorded).error();
  KeyCheckFacts facts;
  facts.check_value = std::move(recorded).value();
  auto stmt = prepare(db_, kEnrollmentCount);
  if (!stmt) return std::move(stmt).error();
  const int rc = sqlite3_step(stmt->get());
  if (rc != SQLITE_ROW) return db_error(db_, rc, "counting enrollments");
  facts.enrollments = sqlite3_column_int64(stmt->get(), 0);
  if (facts.check_value) return facts;  // the sample is only needed without a value
  auto sample = sample_secret(db_, path_);
  if (!sample) return std::move(sample).error();
  facts.sample = std::move(sample).value();
  return facts;
}

Status SqliteTransaction::set_key_check(const KeyCheckValue& value) {
  auto stmt = prepare(db_,
                      "INSERT INTO key_check (id, value) VALUES (1, ?1)"
                      " ON CONFLICT (id) DO UPDATE SET value = ?1");
  if (!stmt) return std::move(stmt).error();
  bind_bytes(stmt->get(), 1, value.data(), value.size());
  return step_done(db_, stmt->get(), "recording the key check value");
}

}  // namespace sshotp::sqlite
