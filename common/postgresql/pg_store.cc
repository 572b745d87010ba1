// SPDX-License-Identifier: BSD-3-Clause
// Opening the PostgreSQL store and starting its transactions (see pg_store.h).
#include "common/postgresql/pg_store.h"

#include "common/postgresql/pg_columns.h"
#include "common/postgresql/pg_connection.h"
#include "common/postgresql/pg_transaction.h"

namespace sshotp::pg {
namespace {

class PgStore final : public Store {
 public:
  PgStore(std::unique_ptr<Deadline> deadline, std::unique_ptr<Connection> conn)
      : deadline_(std::move(deadline)), conn_(std::move(conn)) {}

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
    auto begun = conn_->exec(sql, {}, "begin transaction");
    if (!begun) return std::move(begun).error();
    return std::unique_ptr<StoreTransaction>(std::make_unique<PgTransaction>(*conn_, write));
  }

  std::unique_ptr<Deadline> deadline_;  // the connection refers to it: declared first
  std::unique_ptr<Connection> conn_;
};

// A host never changes the schema (its role may not): it refuses one it does not know, as the
// SQLite store refuses a newer file, and names the command that fixes an older one.
Status check_schema(Connection& conn) {
  auto version = conn.exec("SELECT max(version) FROM sshotp.schema_version", {}, "schema version");
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
  return Ok{};
}

}  // namespace

Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings) {
  auto deadline =
      std::make_unique<Deadline>(settings.timeout_ms, settings.deadline_per_transaction);
  auto conn = Connection::open(settings.conninfo, *deadline);
  if (!conn) return std::move(conn).error();
  if (auto st = check_schema(**conn); !st) return std::move(st).error();
  return std::unique_ptr<Store>(
      std::make_unique<PgStore>(std::move(deadline), std::move(conn).value()));
}

}  // namespace sshotp::pg
