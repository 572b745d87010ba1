// SPDX-License-Identifier: BSD-3-Clause
// PgTransaction's share of the key check (key_check.h) and of `list`: the statements that read
// across users rather than one user's rows. Only the CLI calls these, and the module's log after
// a secret failed to open.
#include <optional>
#include <utility>

#include "common/crypto.h"
#include "common/postgresql/pg_columns.h"
#include "common/postgresql/pg_rows.h"
#include "common/postgresql/pg_transaction.h"

namespace sshotp::pg {
namespace {

// Active enrollments, then pending ones of users with no active one (with neutral replay and
// lockout values), each with a flag saying which it is and its count of unused recovery codes,
// in byte order of the name (COLLATE "C": the order SQLite gives, whatever the database's
// collation).
const std::string kSelectListing =
    std::string("SELECT * FROM (SELECT ") + kEnrollmentColumns +
    ", 0, (SELECT count(*) FROM sshotp.recovery_codes r"
    "      WHERE r.username = e.username AND r.used_at IS NULL)"
    " FROM sshotp.enrollments e"
    " UNION ALL"
    " SELECT username, algorithm, digits, period, sealed_secret, -1, created_at, NULL, 0, 0, 0,"
    " 'active', NULL, 1, (SELECT count(*) FROM sshotp.recovery_codes r"
    "      WHERE r.username = p.username AND r.used_at IS NULL)"
    " FROM sshotp.pending_enrollments p WHERE NOT EXISTS"
    "   (SELECT 1 FROM sshotp.enrollments e WHERE e.username = p.username)"
    ") AS listing ORDER BY username COLLATE \"C\"";

// Users as `list` counts them: an active enrollment, or else a pending one.
constexpr const char* kEnrollmentCount =
    "SELECT (SELECT count(*) FROM sshotp.enrollments)"
    " + (SELECT count(*) FROM sshotp.pending_enrollments p WHERE NOT EXISTS"
    "     (SELECT 1 FROM sshotp.enrollments e WHERE e.username = p.username))";

// Any one sealed secret, active or pending: both are sealed with secret_aad(user).
constexpr const char* kSampleSecret =
    "SELECT username, sealed_secret FROM sshotp.enrollments"
    " UNION ALL SELECT username, sealed_secret FROM sshotp.pending_enrollments LIMIT 1";

}  // namespace

Status PgTransaction::for_each_listing(
    const std::function<Status(const EnrollmentListing&)>& visit) {
  return guarded([&]() -> Status {
    return conn_.exec_rows(
        kSelectListing.c_str(), "reading enrollments", [&](const PGresult* r) -> Status {
          auto e = enrollment_at(r, 0, conn_.where());
          if (!e) return std::move(e).error();
          auto pending = int_at(r, 0, 13);
          auto unused = int_at(r, 0, 14);
          if (!pending || !unused || *unused < 0) {
            return make_error(Errc::unavailable, conn_.where() + ": corrupt listing row");
          }
          return visit({std::move(e).value(), *pending != 0, static_cast<std::size_t>(*unused)});
        });
  });
}

Result<std::optional<KeyCheckValue>> PgTransaction::recorded_key_check() {
  return guarded([&]() -> Result<std::optional<KeyCheckValue>> {
    auto rows = conn_.exec("SELECT value FROM sshotp.key_check WHERE id = 1", {},
                           "reading the key check value");
    if (!rows) return std::move(rows).error();
    if (PQntuples(rows->get()) == 0) return std::optional<KeyCheckValue>();
    auto value = bytes_at(rows->get(), 0, 0);
    if (!value || value->size() != kMacBytes) {
      return make_error(Errc::unavailable, conn_.where() + ": corrupt key check value");
    }
    return std::optional<KeyCheckValue>(std::in_place, value->begin(), value->end());
  });
}

// Held by a write transaction that is about to decide a key check value it found missing or
// different, until it commits: two hosts' first writes to a new fleet store would otherwise both
// see "no value, no enrollments" and each seal enrollments under its own key. The second waits,
// then reads what the first recorded (READ COMMITTED: a new statement sees the commit). The common
// case, a recorded value equal to the key's, never gets here and never waits.
constexpr std::int64_t kKeyCheckLock = 0x73736b6579;  // "sskey"

Result<KeyCheckFacts> PgTransaction::key_check_facts() {
  if (write_) {
    auto locked = guarded([&] {
      return conn_.exec("SELECT pg_advisory_xact_lock($1)", {kKeyCheckLock},
                        "locking the key check");
    });
    if (!locked) return std::move(locked).error();
  }
  auto recorded = recorded_key_check();
  if (!recorded) return std::move(recorded).error();
  return guarded([&]() -> Result<KeyCheckFacts> {
    KeyCheckFacts facts;
    facts.check_value = std::move(recorded).value();
    auto count = conn_.exec(kEnrollmentCount, {}, "counting enrollments");
    if (!count) return std::move(count).error();
    auto enrollments = required_int(count->get(), 0, 0, "the enrollment count");
    if (!enrollments) return std::move(enrollments).error();
    facts.enrollments = *enrollments;
    if (facts.check_value) return facts;  // the sample is only needed without a value
    auto sample = conn_.exec(kSampleSecret, {}, "reading enrollments");
    if (!sample) return std::move(sample).error();
    if (PQntuples(sample->get()) == 0) return facts;
    auto user = text_at(sample->get(), 0, 0);
    auto sealed = bytes_at(sample->get(), 0, 1);
    if (!user || !sealed || sealed->empty()) {
      return make_error(Errc::unavailable, conn_.where() + ": corrupt enrollment row");
    }
    Enrollment e;
    e.user = std::string(*user);
    e.sealed_secret.assign(sealed->begin(), sealed->end());
    facts.sample = std::move(e);
    return facts;
  });
}

Status PgTransaction::set_key_check(const KeyCheckValue& value) {
  return guarded([&]() -> Status {
    auto set = conn_.exec(
        "INSERT INTO sshotp.key_check (id, value) VALUES (1, $1)"
        " ON CONFLICT (id) DO UPDATE SET value = $1",
        {Param::of_bytes(value)}, "recording the key check value");
    if (!set) return std::move(set).error();
    return Ok{};
  });
}

}  // namespace sshotp::pg
