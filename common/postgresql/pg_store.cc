// SPDX-License-Identifier: BSD-3-Clause
// Opening the PostgreSQL store and starting its transactions (see pg_store.h).
#include "common/postgresql/pg_store.h"

#include <charconv>
#include <optional>
#include <string_view>

#include "common/postgresql/pg_columns.h"
#include "common/postgresql/pg_connect.h"
#include "common/postgresql/pg_connection.h"
#include "common/postgresql/pg_login_sql.h"
#include "common/postgresql/pg_transaction.h"

namespace sshotp::pg {
namespace {

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
// SQLite store refuses a newer file, and names the command that fixes an older one. `version` is
// kSchemaCheck's result, in text (the simple query protocol's format), with the durability
// settings beside the version; synchronous_standby_names is left in `standby_names`.
Status check_schema(const Connection& conn, const PGresult* version, std::string& standby_names) {
  std::optional<std::string_view> text;
  if (PQntuples(version) == 1 && PQnfields(version) >= 3) text = text_at(version, 0, 0);
  int number = 0;
  if (!text ||
      std::from_chars(text->data(), text->data() + text->size(), number).ec != std::errc{}) {
    return make_error(Errc::unavailable, conn.where() + ": store is not initialised");
  }
  if (number > kSchemaVersion) {
    return make_error(Errc::unavailable, conn.where() + ": schema version " +
                                             std::to_string(number) +
                                             " is newer than this pam_sshotp understands");
  }
  if (number < kSchemaVersion) {
    return make_error(Errc::unavailable,
                      conn.where() + ": schema version " + std::to_string(number) +
                          " is older than this pam_sshotp needs (sshotp-enroll db upgrade)");
  }
  const auto synchronous_commit = text_at(version, 0, 1);
  const auto standbys = text_at(version, 0, 2);
  if (!synchronous_commit || !standbys) {
    return make_error(Errc::unavailable, conn.where() + ": cannot read the durability settings");
  }
  standby_names = *standbys;
  return check_durability(conn, *synchronous_commit, *standbys);
}

class PgStore;

// The transaction of a connection that lives for it alone (see pg_store.h): when it ends, the
// store closes the connection. A transaction left open (a read, never committed) is rolled
// back first, at the price of a round trip: closing would roll it back on a direct server too,
// but a pooler in transaction mode (PgBouncer) drops a server connection whose client left in
// the middle of a transaction, and every login would then cost it a new backend and a TLS
// handshake, what it is there to save (tests/fleet/test_fleet_pgbouncer.sh).
class SessionTransaction final : public PgTransaction {
 public:
  SessionTransaction(PgStore& store, Connection& conn, bool write)
      : PgTransaction(conn, write), store_(store) {}
  ~SessionTransaction() override;
  SessionTransaction(const SessionTransaction&) = delete;
  SessionTransaction& operator=(const SessionTransaction&) = delete;

 private:
  PgStore& store_;
};

class PgStore final : public Store {
 public:
  PgStore(Connector connector, const StoreSettings& settings)
      : deadline_(settings.timeout_ms, settings.deadline_per_transaction),
        connector_(std::move(connector)),
        per_transaction_(settings.deadline_per_transaction) {}

  // No exception may leave for the core (store_plugin.h): guarded() turns one into an error.
  Result<std::unique_ptr<StoreTransaction>> begin_write() override {
    return guarded([&] { return begin(kBeginWrite, true); });
  }
  Result<std::unique_ptr<StoreTransaction>> begin_read() override {
    return guarded([&] { return begin(kBeginRead, false); });
  }

  void transaction_ended() noexcept {
    if (conn_) conn_->close();
    in_transaction_ = false;
  }

 private:
  Result<std::unique_ptr<StoreTransaction>> begin(const char* begin_sql, bool write) {
    // One connection, so one transaction at a time; the core never overlaps them.
    if (in_transaction_) {
      return make_error(Errc::unavailable, "postgresql: a transaction is already open");
    }
    if (per_transaction_) deadline_.restart();
    auto conn = connector_.connect(deadline_);
    if (!conn) return std::move(conn).error();
    conn_ = std::move(conn).value();
    const std::string batch = std::string(begin_sql) + "; " + kSchemaCheck;
    auto begun = conn_->exec_batch(batch.c_str(), "begin transaction");
    Status checked = Ok{};
    std::string standby_names;
    if (!begun) {
      // undefined_table, invalid_schema_name: nobody ran the migrations on this database.
      const std::string& state = conn_->last_sqlstate();
      checked =
          state == "42P01" || state == "3F000"
              ? make_error(Errc::unavailable,
                           conn_->where() + ": store is not initialised (sshotp-enroll db init)")
              : std::move(begun).error();
    } else {
      checked = check_schema(*conn_, begun->back().get(), standby_names);
    }
    if (!checked) {
      conn_->close();
      return std::move(checked).error();
    }
    // A write past pg_timeout_ms while standbys are named is, far more often than a slow
    // primary, a COMMIT waiting for a standby that is down, cut off or frozen (the known way
    // synchronous replication turns into a hang), or another login waiting for the user's row
    // that such a COMMIT holds. The message names the standby, and where to look.
    if (write && !standby_names.empty()) {
      conn_->set_timeout_note(
          "; a write waits for the synchronous standby (synchronous_standby_names = '" +
          standby_names +
          "'), or for a user's row that a commit waiting for it holds: check the standby in "
          "pg_stat_replication on the primary");
    }
    // Made before the flag is set: a bad_alloc here (caught by the plugin's guard) must not
    // leave the store marked busy with its connection open.
    auto transaction = std::make_unique<SessionTransaction>(*this, *conn_, write);
    in_transaction_ = true;
    return std::unique_ptr<StoreTransaction>(std::move(transaction));
  }

  Deadline deadline_;  // the connection refers to it: declared first
  Connector connector_;
  std::unique_ptr<Connection> conn_;
  bool per_transaction_;
  bool in_transaction_ = false;
};

SessionTransaction::~SessionTransaction() {
  roll_back_if_open();
  store_.transaction_ended();
}

}  // namespace

Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings) {
  auto connector = Connector::prepare(settings.conninfo);
  if (!connector) return std::move(connector).error();
  return std::unique_ptr<Store>(std::make_unique<PgStore>(std::move(connector).value(), settings));
}

}  // namespace sshotp::pg
