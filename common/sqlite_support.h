// SPDX-License-Identifier: BSD-3-Clause
// Small RAII and error helpers over the SQLite C API, shared by the store's files. Internal to
// common/: nothing outside the sqlite_* files includes <sqlite3.h>.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sshotp::sqlite {

struct DbClose {
  void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbClose>;

struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// Maps an SQLite result code to our error classes: BUSY/LOCKED -> busy (another login held the
// lock past the timeout); FULL/READONLY/IOERR -> io (refuse rather than let in unrecorded);
// everything else (NOTADB, CORRUPT, CANTOPEN, ...) -> unavailable (fail closed).
Error db_error(sqlite3* db, int rc, const std::string& what);

Status exec(sqlite3* db, const char* sql, const std::string& what);
Result<Stmt> prepare(sqlite3* db, const char* sql);

// A statement borrowed from a StatementCache (or, when the cached one is already borrowed, a
// fresh one of its own); reset and unbound when it goes out of scope.
class CachedStmt {
 public:
  CachedStmt(sqlite3_stmt* borrowed, bool* in_use) : stmt_(borrowed), in_use_(in_use) {}
  explicit CachedStmt(Stmt owned) : owned_(std::move(owned)), stmt_(owned_.get()) {}
  CachedStmt(CachedStmt&& other) noexcept
      : owned_(std::move(other.owned_)), stmt_(other.stmt_), in_use_(other.in_use_) {
    other.stmt_ = nullptr;
    other.in_use_ = nullptr;
  }
  CachedStmt(const CachedStmt&) = delete;
  CachedStmt& operator=(const CachedStmt&) = delete;
  CachedStmt& operator=(CachedStmt&&) = delete;
  ~CachedStmt();
  sqlite3_stmt* get() const { return stmt_; }

 private:
  Stmt owned_;
  sqlite3_stmt* stmt_ = nullptr;
  bool* in_use_ = nullptr;
};

// The statements one connection has prepared, kept until it closes. Preparing parses and
// compiles the SQL, and a SELECT also builds its result column names: for the enrollment SELECT
// a login runs twice (once to decide whether to prompt, once to verify) that is ~110k
// instructions each time (bench/FINDINGS.md). Destroy before the connection.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  // `sql` is a constant: it is compared by its text, and copied only when first prepared.
  Result<CachedStmt> get(const char* sql);

 private:
  struct Entry {
    std::string sql;
    Stmt stmt;
    std::unique_ptr<bool> in_use;  // a stable address for CachedStmt
  };
  sqlite3* db_;
  std::vector<Entry> entries_;
};

// The connection's busy handler: waits out another login's lock for up to timeout_ms each time a
// statement meets it (SQLite restarts the count per statement, as with sqlite3_busy_timeout;
// a login meets at most two: the read before the prompt and the write lock).
// SQLite's own (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries, while
// a login holds the write lock for a fraction of a millisecond: concurrent logins spent most of
// their waits asleep with the lock free (bench/FINDINGS.md). This one tries again after 50 µs,
// doubling to at most 1 ms. Lives at a fixed address (SQLite keeps a pointer to it).
class BusyWait {
 public:
  explicit BusyWait(unsigned timeout_ms) : timeout_ms_(timeout_ms) {}
  BusyWait(const BusyWait&) = delete;
  BusyWait& operator=(const BusyWait&) = delete;
  void install(sqlite3* db) { sqlite3_busy_handler(db, &BusyWait::retry, this); }
  // false: give up at once, as the opportunistic WAL checkpoint does.
  void set_waiting(bool waiting) { waiting_ = waiting; }

 private:
  static int retry(void* self, int attempts);
  unsigned timeout_ms_;
  bool waiting_ = true;
  std::int64_t first_busy_ns_ = 0;  // when this wait began (attempts == 0)
};

void bind_text(sqlite3_stmt* s, int index, std::string_view text);
void bind_bytes(sqlite3_stmt* s, int index, const std::uint8_t* data, std::size_t size);

// Waits until everything committed to `<db_path>-wal` is on disk (fdatasync).
Status sync_wal(const std::string& db_path);
// The same for the directory holding `path`: a newly created file's name is only durable then.
Status sync_directory_of(const std::string& path);

// Steps a statement that returns no rows; an error names `what`.
Status step_done(sqlite3* db, sqlite3_stmt* s, const std::string& what);

}  // namespace sshotp::sqlite
