// SPDX-License-Identifier: BSD-3-Clause
#include "common/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/file_checks.h"

namespace sshotp {
namespace {

// Migration i takes the schema from version i to i + 1. Never edit a shipped entry; append.
constexpr std::array<const char*, kSchemaVersion> kMigrations = {
    // 0 -> 1: enrollments with sealed secrets and the replay high-water mark.
    "CREATE TABLE enrollments ("
    "  user TEXT PRIMARY KEY NOT NULL,"
    "  algorithm TEXT NOT NULL,"
    "  digits INTEGER NOT NULL,"
    "  period INTEGER NOT NULL,"
    "  sealed_secret BLOB NOT NULL,"
    "  last_step INTEGER NOT NULL DEFAULT -1,"
    "  created_at INTEGER NOT NULL,"
    "  last_used_at INTEGER"
    ") STRICT;",
};

struct DbClose {
  void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbClose>;

struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// SQLITE_BUSY/LOCKED mean "another login held the lock past the timeout"; everything that says
// the file is not a sane database is "unavailable" (fail closed); a full disk or read-only
// file is an I/O error that must refuse the login rather than let it in unrecorded.
Error db_error(sqlite3* db, int rc, const std::string& what) {
  const int primary = rc & 0xff;
  std::string msg = what + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error(Errc::busy, msg);
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
      return make_error(Errc::io, msg);
    default:
      return make_error(Errc::unavailable, msg);
  }
}

class SqliteTransaction;

class SqliteStore final : public Store {
 public:
  SqliteStore(DbHandle db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  Result<std::unique_ptr<StoreTransaction>> begin_write() override;
  sqlite3* db() const { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  DbHandle db_;
  std::string path_;
};

Status exec(sqlite3* db, const char* sql, const std::string& what) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return db_error(db, rc, what);
  return Ok{};
}

Result<Stmt> prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return db_error(db, rc, "prepare");
  return stmt;
}

void bind_text(sqlite3_stmt* s, int i, std::string_view text) {
  sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// Rows are data from disk: check every field before trusting it, and say which user is broken.
Result<Enrollment> row_to_enrollment(sqlite3_stmt* s, const std::string& path) {
  Enrollment e;
  auto corrupt = [&](const char* field) {
    return make_error(Errc::unavailable,
                      path + ": corrupt enrollment row for user '" + e.user + "' (" + field + ")");
  };
  const unsigned char* user = sqlite3_column_text(s, 0);
  if (user == nullptr) return corrupt("user");
  e.user = reinterpret_cast<const char*>(user);
  const unsigned char* alg = sqlite3_column_text(s, 1);
  auto algorithm = alg != nullptr ? parse_algorithm(reinterpret_cast<const char*>(alg))
                                  : std::nullopt;
  if (!algorithm) return corrupt("algorithm");
  e.totp.algorithm = *algorithm;
  sqlite3_int64 digits = sqlite3_column_int64(s, 2);
  sqlite3_int64 period = sqlite3_column_int64(s, 3);
  if (digits < 0 || digits > 100 || period < 0 || period > 1000) return corrupt("parameters");
  e.totp.digits = static_cast<unsigned>(digits);
  e.totp.period = static_cast<unsigned>(period);
  if (!validate_params(e.totp)) return corrupt("parameters");
  const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 4));
  int blob_len = sqlite3_column_bytes(s, 4);
  if (blob == nullptr || blob_len <= 0 || blob_len > 4096) return corrupt("sealed_secret");
  e.sealed_secret.assign(blob, blob + blob_len);
  e.last_step = sqlite3_column_int64(s, 5);
  e.created_at = sqlite3_column_int64(s, 6);
  if (sqlite3_column_type(s, 7) != SQLITE_NULL) e.last_used_at = sqlite3_column_int64(s, 7);
  return e;
}

constexpr const char* kSelectColumns =
    "SELECT user, algorithm, digits, period, sealed_secret, last_step, created_at, last_used_at "
    "FROM enrollments";

class SqliteTransaction final : public StoreTransaction {
 public:
  explicit SqliteTransaction(const SqliteStore& store) : store_(store) {}
  ~SqliteTransaction() override {
    if (!done_) sqlite3_exec(store_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  Result<std::optional<Enrollment>> find(std::string_view user) override {
    auto stmt = prepare(db(), (std::string(kSelectColumns) + " WHERE user = ?1").c_str());
    if (!stmt) return std::move(stmt).error();
    bind_text(stmt->get(), 1, user);
    int rc = sqlite3_step(stmt->get());
    if (rc == SQLITE_DONE) return std::optional<Enrollment>{};
    if (rc != SQLITE_ROW) return db_error(db(), rc, "reading enrollment");
    auto e = row_to_enrollment(stmt->get(), store_.path());
    if (!e) return std::move(e).error();
    return std::optional<Enrollment>(std::move(e).value());
  }

  Result<std::vector<Enrollment>> list() override {
    auto stmt = prepare(db(), (std::string(kSelectColumns) + " ORDER BY user").c_str());
    if (!stmt) return std::move(stmt).error();
    std::vector<Enrollment> out;
    int rc;
    while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
      auto e = row_to_enrollment(stmt->get(), store_.path());
      if (!e) return std::move(e).error();
      out.push_back(std::move(e).value());
    }
    if (rc != SQLITE_DONE) return db_error(db(), rc, "listing enrollments");
    return out;
  }

  Status put(const Enrollment& e) override {
    auto stmt = prepare(db(),
                        "INSERT OR REPLACE INTO enrollments (user, algorithm, digits, period, "
                        "sealed_secret, last_step, created_at, last_used_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!stmt) return std::move(stmt).error();
    sqlite3_stmt* s = stmt->get();
    bind_text(s, 1, e.user);
    bind_text(s, 2, algorithm_name(e.totp.algorithm));
    sqlite3_bind_int64(s, 3, e.totp.digits);
    sqlite3_bind_int64(s, 4, e.totp.period);
    sqlite3_bind_blob(s, 5, e.sealed_secret.data(), static_cast<int>(e.sealed_secret.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, e.last_step);
    sqlite3_bind_int64(s, 7, e.created_at);
    if (e.last_used_at) {
      sqlite3_bind_int64(s, 8, *e.last_used_at);
    } else {
      sqlite3_bind_null(s, 8);
    }
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) return db_error(db(), rc, "saving enrollment");
    return Ok{};
  }

  Result<bool> remove(std::string_view user) override {
    return change("DELETE FROM enrollments WHERE user = ?1", user, {});
  }

  Result<bool> consume_step(std::string_view user, std::int64_t step, std::int64_t now) override {
    return change(
        "UPDATE enrollments SET last_step = ?2, last_used_at = ?3 "
        "WHERE user = ?1 AND last_step < ?2",
        user, {step, now});
  }

  Status commit() override {
    int rc = sqlite3_exec(db(), "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return db_error(db(), rc, "commit");
    done_ = true;
    return Ok{};
  }

 private:
  sqlite3* db() const { return store_.db(); }

  // Runs a one-row write keyed by user, binding extra integers from ?2 on; returns whether a
  // row changed.
  Result<bool> change(const char* sql, std::string_view user,
                      std::initializer_list<std::int64_t> ints) {
    auto stmt = prepare(db(), sql);
    if (!stmt) return std::move(stmt).error();
    bind_text(stmt->get(), 1, user);
    int i = 2;
    for (std::int64_t v : ints) sqlite3_bind_int64(stmt->get(), i++, v);
    int rc = sqlite3_step(stmt->get());
    if (rc != SQLITE_DONE) return db_error(db(), rc, "updating enrollment");
    return sqlite3_changes(db()) > 0;
  }

  const SqliteStore& store_;
  bool done_ = false;
};

Result<std::unique_ptr<StoreTransaction>> SqliteStore::begin_write() {
  // IMMEDIATE takes the write lock now and waits through the busy handler; a DEFERRED read that
  // later upgrades could fail with SQLITE_BUSY_SNAPSHOT, which no busy handler can wait out.
  if (auto st = exec(db(), "BEGIN IMMEDIATE", "begin transaction"); !st) {
    return std::move(st).error();
  }
  return std::unique_ptr<StoreTransaction>(std::make_unique<SqliteTransaction>(*this));
}

Status create_private_file(const std::string& path) {
  const std::string dir = parent_directory(path);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(Errc::io, dir + ": " + std::strerror(errno));
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    close(fd);
  } else if (errno != EEXIST) {
    return make_error(Errc::io, path + ": " + std::strerror(errno));
  }
  return Ok{};
}

Status check_store_files(const std::string& path) {
  if (auto st = check_directory(parent_directory(path)); !st) return st;
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return make_error(Errc::unavailable, path + ": " + std::strerror(errno));
  }
  return check_file_stat(st, path, Exposure::private_only);
}

Result<int> schema_version(sqlite3* db) {
  auto stmt = prepare(db, "PRAGMA user_version");
  if (!stmt) return std::move(stmt).error();
  int rc = sqlite3_step(stmt->get());
  if (rc != SQLITE_ROW) return db_error(db, rc, "reading schema version");
  return sqlite3_column_int(stmt->get(), 0);
}

// Runs the pending migrations in one write transaction, so two processes upgrading at once
// serialise and the second sees the first one's result.
Status migrate(SqliteStore& store, OpenMode mode) {
  sqlite3* db = store.db();
  auto txn = store.begin_write();
  if (!txn) return std::move(txn).error();
  auto version = schema_version(db);
  if (!version) return std::move(version).error();
  if (*version > kSchemaVersion) {
    return make_error(Errc::unavailable, store.path() + ": schema version " +
                                             std::to_string(*version) +
                                             " is newer than this pam_sshotp understands");
  }
  if (*version == kSchemaVersion) return (*txn)->commit();
  if (*version == 0 && mode == OpenMode::existing) {
    // An empty or foreign file must not be silently turned into an empty store.
    return make_error(Errc::unavailable, store.path() + ": store is not initialised");
  }
  for (int v = *version; v < kSchemaVersion; ++v) {
    if (auto st = exec(db, kMigrations[static_cast<std::size_t>(v)], "schema migration"); !st) {
      return st;
    }
  }
  std::string set_version = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
  if (auto st = exec(db, set_version.c_str(), "schema version"); !st) return st;
  return (*txn)->commit();
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, OpenMode mode,
                                                 unsigned busy_timeout_ms) {
  if (mode == OpenMode::create) {
    if (auto st = create_private_file(path); !st) return std::move(st).error();
  }
  if (auto st = check_store_files(path); !st) return std::move(st).error();

  // No SQLITE_OPEN_CREATE: a store that vanished fails closed instead of coming back empty.
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  DbHandle db(raw);  // sqlite3_open_v2 allocates a handle even when it fails
  if (rc != SQLITE_OK) return db_error(db.get(), rc, path);
  if (sqlite3_db_readonly(db.get(), "main") != 0) {
    return make_error(Errc::io, path + ": store is read-only");
  }
  sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout_ms));
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  // journal_mode is persistent, the others are per connection; WAL lets readers run beside the
  // single writer, FULL makes every commit durable, secure_delete zeroes removed secrets.
  for (const char* pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA secure_delete = ON",
        "PRAGMA temp_store = MEMORY"}) {
    if (auto st = exec(db.get(), pragma, path); !st) return std::move(st).error();
  }
  auto store = std::make_unique<SqliteStore>(std::move(db), path);
  if (auto st = migrate(*store, mode); !st) return std::move(st).error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace sshotp
