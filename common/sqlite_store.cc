// SPDX-License-Identifier: BSD-3-Clause
#include "common/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/file_checks.h"
#include "common/sqlite_schema.h"
#include "common/sqlite_support.h"
#include "common/sqlite_transaction.h"

namespace sshotp {
namespace {

using sqlite::DbHandle;

// How far the WAL may grow (in 4 KiB frames: about 50 logins) before a commit checkpoints it.
constexpr int kWalCheckpointFrames = 100;

class SqliteStore final : public Store {
 public:
  SqliteStore(DbHandle db, std::unique_ptr<sqlite::BusyWait> busy, std::string path,
              bool read_only = false)
      : busy_(std::move(busy)),
        db_(std::move(db)),
        statements_(db_.get()),
        path_(std::move(path)),
        read_only_(read_only) {
    sqlite3_wal_hook(db_.get(), &SqliteStore::after_commit, this);
  }

  Result<std::unique_ptr<StoreTransaction>> begin_write() override {
    // SQLite would begin it, and take the write lock that the host's logins need.
    if (read_only_) return make_error(Errc::io, path_ + ": opened read-only");
    // IMMEDIATE takes the write lock now and waits through the busy handler; a DEFERRED read
    // that later upgrades could fail with SQLITE_BUSY_SNAPSHOT, which no busy handler waits out.
    return begin("BEGIN IMMEDIATE");
  }
  Result<std::unique_ptr<StoreTransaction>> begin_read() override { return begin("BEGIN"); }

  sqlite3* db() const { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  Result<std::unique_ptr<StoreTransaction>> begin(const char* sql) {
    if (auto st = sqlite::exec(db_.get(), sql, "begin transaction"); !st) {
      return std::move(st).error();
    }
    return std::unique_ptr<StoreTransaction>(
        std::make_unique<sqlite::SqliteTransaction>(db_.get(), path_, statements_));
  }

  // Replaces SQLite's auto-checkpoint, which is PASSIVE: that copies the frames back but leaves
  // the WAL file as it is, and only the WAL index in the -shm file remembers they were copied.
  // Each login is a new connection, usually the only one, which rebuilds that index from the WAL
  // file and so forgets: the WAL would grow without end, and every login would re-read and
  // re-copy all of it (bench/FINDINGS.md). TRUNCATE empties the file. Another login busy with
  // the store is not waited for: a later commit checkpoints instead.
  static int after_commit(void* self, sqlite3* db, const char* name, int frames) {
    if (frames < kWalCheckpointFrames) return SQLITE_OK;
    sqlite::BusyWait& busy = *static_cast<SqliteStore*>(self)->busy_;
    busy.set_waiting(false);
    (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    busy.set_waiting(true);
    return SQLITE_OK;
  }

  std::unique_ptr<sqlite::BusyWait> busy_;  // declared before db_: outlives the connection
  DbHandle db_;
  sqlite::StatementCache statements_;  // declared after db_: finalized before it closes
  std::string path_;  // outlives every transaction, which refers to it in error messages
  bool read_only_;
};

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

// Migrations run in a write transaction, so two processes upgrading at once serialise and the
// second finds the work done.
Status migrate_store(SqliteStore& store, OpenMode mode) {
  auto txn = store.begin_write();
  if (!txn) return std::move(txn).error();
  if (auto st = sqlite::migrate(store.db(), store.path(), mode == OpenMode::create); !st) {
    return st;
  }
  return (*txn)->commit();
}

// A store that is only read (OpenMode::read_only): no pragma that writes, no migration. Its
// read transactions see the WAL as the store's own connections do; begin_write() is refused.
Result<std::unique_ptr<Store>> open_read_only(DbHandle db, std::unique_ptr<sqlite::BusyWait> busy,
                                              const std::string& path) {
  auto version = sqlite::schema_version(db.get(), path);
  if (!version) return std::move(version).error();
  if (auto st = sqlite::check_schema_version(*version, path, false); !st) {
    return std::move(st).error();
  }
  if (*version < kSchemaVersion) {
    return make_error(Errc::unavailable,
                      path + ": schema version " + std::to_string(*version) +
                          " is older than this build's " + std::to_string(kSchemaVersion) +
                          " and is not upgraded when only read: let pam_sshotp or sshotp-enroll "
                          "on its host open it once, or copy it and upgrade the copy");
  }
  return std::unique_ptr<Store>(
      std::make_unique<SqliteStore>(std::move(db), std::move(busy), path, true));
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, OpenMode mode,
                                                 unsigned busy_timeout_ms) {
  if (mode == OpenMode::create) {
    if (auto st = create_private_file(path); !st) return std::move(st).error();
  }
  if (auto st = check_store_files(path); !st) return std::move(st).error();

  // Before the connection, so that it is destroyed after it on every return.
  auto busy = std::make_unique<sqlite::BusyWait>(busy_timeout_ms);
  // No SQLITE_OPEN_CREATE: a store that vanished fails closed instead of coming back empty.
  const bool read_only = mode == OpenMode::read_only;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                               SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  DbHandle db(raw);  // sqlite3_open_v2 allocates a handle even when it fails
  if (rc != SQLITE_OK) return sqlite::db_error(db.get(), rc, path);
  if (!read_only && sqlite3_db_readonly(db.get(), "main") != 0) {
    return make_error(Errc::io, path + ": store is read-only");
  }
  busy->install(db.get());
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  if (read_only) return open_read_only(std::move(db), std::move(busy), path);
  // Each login is a short-lived connection, usually the store's only one. By default the last
  // connection to close checkpoints and deletes the WAL, so the next login recreates it (two
  // more syncs), and an open racing that close can get SQLITE_BUSY without the busy handler
  // being asked: spurious refusals under concurrent logins. Keep the WAL instead; the
  // checkpoint then runs inside every ~50th login's commit (SqliteStore::after_commit).
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  int persist_wal = 1;
  sqlite3_file_control(db.get(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist_wal);
  const bool wal_is_new = access((path + "-wal").c_str(), F_OK) != 0;
  // Look before writing anything: even the journal_mode pragma below would give an empty file a
  // header, and a store we must refuse has to stay exactly as we found it.
  auto version = sqlite::schema_version(db.get(), path);
  if (!version) return std::move(version).error();
  if (auto st = sqlite::check_schema_version(*version, path, mode == OpenMode::create); !st) {
    return std::move(st).error();
  }
  // journal_mode is persistent, the others are per connection. WAL lets readers run beside the
  // single writer; secure_delete zeroes removed secrets. Durability is ours, not SQLite's:
  // synchronous=NORMAL makes COMMIT write the WAL without waiting for the disk, and
  // StoreTransaction::commit() then fdatasyncs the WAL after the write lock is released (see
  // sqlite_transaction.cc). With FULL, every writer waited for its sync while holding the lock,
  // so concurrent logins queued behind each other's disk.
  for (const char* pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA secure_delete = ON",
        "PRAGMA temp_store = MEMORY"}) {
    if (auto st = sqlite::exec(db.get(), pragma, path); !st) return std::move(st).error();
  }
  if (wal_is_new) {
    if (auto st = sqlite::sync_directory_of(path); !st) return std::move(st).error();
  }
  auto store = std::make_unique<SqliteStore>(std::move(db), std::move(busy), path);
  // Only an old schema needs the write lock; the usual open takes none.
  if (*version < kSchemaVersion) {
    if (auto st = migrate_store(*store, mode); !st) return std::move(st).error();
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace sshotp
