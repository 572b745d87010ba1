// SPDX-License-Identifier: BSD-3-Clause
// Opening the PostgreSQL store and starting its transactions (see pg_store.h).
#include "common/postgresql/pg_store.h"

#include <string_view>

#include "common/postgresql/pg_columns.h"
#include "common/postgresql/pg_connection.h"
#include "common/postgresql/pg_transaction.h"

namespace sshotp::pg {
namespace {

class PgStore final : public Store {
 public:
  PgStore(std::unique_ptr<Deadline> deadline, std::unique_ptr<Connection> conn, bool per_txn)
      : deadline_(std::move(deadline)), conn_(std::move(conn)), per_transaction_(per_txn) {}

  // READ COMMITTED, as the consume statements need: a concurrent update of the same row is
  // waited for and the WHERE clause re-evaluated against its result (PostgreSQL docs, 13.2.1),
  // so exactly one of two racing consumes changes the row. REPEATABLE READ would turn the wait
  // into serialization errors instead.
  Result<std::unique_ptr<StoreTransaction>> begin_write() override {
    return begin("BEGIN ISOLATION LEVEL READ COMMITTED", true);
  }
  // One snapshot for a listing and the look before the prompt; it never blocks writers.
  Result<std::unique_ptr<StoreTransaction>> begin_read() override {
    return begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false);
  }

 private:
  Result<std::unique_ptr<StoreTransaction>> begin(const char* sql, bool write) {
    if (per_transaction_) deadline_->restart();
    auto begun = conn_->exec(sql, {}, "begin transaction");
    if (!begun) return std::move(begun).error();
    return std::unique_ptr<StoreTransaction>(std::make_unique<PgTransaction>(*conn_, write));
  }

  std::unique_ptr<Deadline> deadline_;  // the connection refers to it: declared first
  std::unique_ptr<Connection> conn_;
  bool per_transaction_;
};

// The session's durability, as the role, the database or `options=-c` left it: a COMMIT
// acknowledged before it is safe would let a crash (synchronous_commit = off) or a failover to
// a standby that never got it (local, with standbys named) hand a consumed code back.
// remote_write and on with a standby are the administrator's informed choice; they are kept.
Status check_durability(const Connection& conn, std::string_view synchronous_commit,
                        std::string_view standby_names) {
  if (synchronous_commit == "off") {
    return make_error(Errc::unavailable,
                      conn.where() +
                          ": synchronous_commit is off (set for the role, the database or in "
                          "options): a consumed code could be used again after a "
                          "crash; set it to on");
  }
  if (synchronous_commit == "local" && !standby_names.empty()) {
    return make_error(Errc::unavailable,
                      conn.where() +
                          ": synchronous_commit is local although "
                          "synchronous_standby_names names standbys: a consumed code "
                          "could be used again after a failover; set it to on");
  }
  return Ok{};
}

// A host never changes the schema (its role may not): it refuses one it does not know, as the
// SQLite store refuses a newer file, and names the command that fixes an older one. The same
// round trip reads the session's durability settings.
Status check_schema(Connection& conn) {
  auto version = conn.exec(
      "SELECT max(version), current_setting('synchronous_commit'),"
      " current_setting('synchronous_standby_names') FROM sshotp.schema_version",
      {}, "schema version");
  if (!version) {
    // undefined_table, invalid_schema_name: nobody ran the migrations on this database.
    if (conn.last_sqlstate() == "42P01" || conn.last_sqlstate() == "3F000") {
      return make_error(Errc::unavailable,
                        conn.where() + ": store is not initialised (sshotp-enroll db init)");
    }
    return std::move(version).error();
  }
  auto number = PQntuples(version->get()) == 1 ? int_at(version->get(), 0, 0) : std::nullopt;
  if (!number) {
    return make_error(Errc::unavailable, conn.where() + ": store is not initialised");
  }
  if (*number > kSchemaVersion) {
    return make_error(Errc::unavailable, conn.where() + ": schema version " +
                                             std::to_string(*number) +
                                             " is newer than this pam_sshotp understands");
  }
  if (*number < kSchemaVersion) {
    return make_error(Errc::unavailable,
                      conn.where() + ": schema version " + std::to_string(*number) +
                          " is older than this pam_sshotp needs (sshotp-enroll db upgrade)");
  }
  const auto synchronous_commit = text_at(version->get(), 0, 1);
  const auto standby_names = text_at(version->get(), 0, 2);
  if (!synchronous_commit || !standby_names) {
    return make_error(Errc::unavailable, conn.where() + ": cannot read the durability settings");
  }
  return check_durability(conn, *synchronous_commit, *standby_names);
}

}  // namespace

Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings) {
  auto deadline = std::make_unique<Deadline>(settings.timeout_ms);
  auto conn = Connection::open(settings.conninfo, *deadline);
  if (!conn) return std::move(conn).error();
  if (auto st = check_schema(**conn); !st) return std::move(st).error();
  return std::unique_ptr<Store>(std::make_unique<PgStore>(
      std::move(deadline), std::move(conn).value(), settings.deadline_per_transaction));
}

}  // namespace sshotp::pg
