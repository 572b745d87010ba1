// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db init | upgrade` (see pg_admin.h): the migrations compiled in from sql/
// (pg_migrations.h, made by embed_migrations.awk), so nothing is looked up on disk at run time,
// applied in one transaction: a failure leaves the database as it was.
#include <iterator>
#include <string>

#include "common/postgresql/pg_admin.h"
#include "common/postgresql/pg_columns.h"
#include "common/postgresql/pg_connect.h"
#include "common/postgresql/pg_migrations.h"  // generated
#include "common/postgresql/pg_store.h"

namespace sshotp::pg {
namespace {

static_assert(std::size(kMigrations) == kSchemaVersion,
              "kSchemaVersion must be the number of sql/schema_NNN.sql migrations");

// Any key will do, as long as every pam_sshotp uses the same: two admins upgrading at once queue
// here instead of both applying migration N (the second would then fail on CREATE, harmless but
// confusing).
constexpr std::int64_t kMigrationLock = 0x7373686f7470;  // "sshotp"

Error refuse(const Connection& conn, const std::string& why) {
  return make_error(Errc::unavailable, conn.where() + ": " + why);
}

Status apply(Connection& conn, int version) {
  const std::string what = "migration " + std::to_string(version);
  for (const char* const* statement = kMigrations[version - 1]; *statement != nullptr;
       ++statement) {
    auto done = conn.exec(*statement, {}, what.c_str());
    if (!done) return std::move(done).error();
  }
  return Ok{};
}

}  // namespace

Result<int> schema_version(Connection& conn) {
  auto exists = conn.exec("SELECT (to_regclass('sshotp.schema_version') IS NOT NULL)::integer", {},
                          "schema version");
  if (!exists) return std::move(exists).error();
  auto present = required_int(exists->get(), 0, 0, "schema version");
  if (!present) return std::move(present).error();
  if (*present == 0) return 0;
  auto version = conn.exec("SELECT coalesce(max(version), 0) FROM sshotp.schema_version", {},
                           "schema version");
  if (!version) return std::move(version).error();
  auto number = required_int(version->get(), 0, 0, "schema version");
  if (!number) return std::move(number).error();
  return static_cast<int>(*number);
}

Result<SchemaChange> migrate(const StorePluginRequest& request, SchemaAction action) {
  Deadline deadline(request.timeout_ms, /*per_call=*/true);  // a command's bound (pg_store.h)
  auto conn = connect_once(request.conninfo, deadline);
  if (!conn) return std::move(conn).error();
  Connection& c = **conn;
  if (auto begun = c.exec("BEGIN", {}, "begin transaction"); !begun) {
    return std::move(begun).error();
  }
  if (auto locked = c.exec("SELECT pg_advisory_xact_lock($1)", {kMigrationLock}, "locking");
      !locked) {
    return std::move(locked).error();
  }
  auto from = schema_version(c);
  if (!from) return std::move(from).error();
  if (*from > kSchemaVersion) {
    return refuse(c, "schema version " + std::to_string(*from) +
                         " is newer than this pam_sshotp knows (" + std::to_string(kSchemaVersion) +
                         ")");
  }
  if (action == SchemaAction::init && *from != 0) {
    return refuse(c, "already initialised (schema version " + std::to_string(*from) +
                         "); `sshotp-enroll db upgrade` moves it on");
  }
  if (action == SchemaAction::upgrade && *from == 0) {
    return refuse(c, "not initialised; run `sshotp-enroll db init` first");
  }
  for (int version = *from + 1; version <= kSchemaVersion; ++version) {
    if (auto st = apply(c, version); !st) return std::move(st).error();
  }
  auto committed = c.exec("COMMIT", {}, "commit");
  if (!committed) return std::move(committed).error();
  if (std::string_view(PQcmdStatus(committed->get())) != "COMMIT") {
    return refuse(c, "commit: the transaction was rolled back");
  }
  return SchemaChange{*from, kSchemaVersion};
}

}  // namespace sshotp::pg
