// SPDX-License-Identifier: BSD-3-Clause
#include "common/sqlite_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/file_checks.h"

namespace sshotp::sqlite {

Error db_error(sqlite3* db, int rc, const std::string& what) {
  std::string msg = what + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
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

CachedStmt::~CachedStmt() {
  if (stmt_ == nullptr) return;
  // Ends the statement's read of the database and drops its copies of bound values.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) *in_use_ = false;
}

Result<CachedStmt> StatementCache::get(const char* sql) {
  const std::string_view text(sql);
  for (Entry& e : entries_) {
    if (e.sql != text) continue;
    if (*e.in_use) break;  // borrowed by an outer caller: use a statement of our own
    *e.in_use = true;
    return CachedStmt(e.stmt.get(), e.in_use.get());
  }
  auto stmt = prepare(db_, sql);
  if (!stmt) return std::move(stmt).error();
  for (const Entry& e : entries_) {
    if (e.sql == text) return CachedStmt(std::move(stmt).value());
  }
  entries_.push_back({std::string(text), std::move(stmt).value(), std::make_unique<bool>(true)});
  return CachedStmt(entries_.back().stmt.get(), entries_.back().in_use.get());
}

namespace {

std::int64_t monotonic_ns() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

int BusyWait::retry(void* self, int attempts) {
  auto* wait = static_cast<BusyWait*>(self);
  if (!wait->waiting_) return 0;
  const std::int64_t now = monotonic_ns();
  if (attempts == 0) wait->first_busy_ns_ = now;
  if (now - wait->first_busy_ns_ >= std::int64_t{wait->timeout_ms_} * 1000000) return 0;
  const long sleep_us = std::min(50L << std::min(attempts, 5), 1000L);
  struct timespec pause {
    0, sleep_us * 1000
  };
  nanosleep(&pause, nullptr);
  return 1;
}

void bind_text(sqlite3_stmt* s, int index, std::string_view text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void bind_bytes(sqlite3_stmt* s, int index, const std::uint8_t* data, std::size_t size) {
  sqlite3_bind_blob(s, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
}

namespace {

Status sync_file(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io, path + ": " + std::strerror(errno));
  const bool ok = fdatasync(fd) == 0;
  const int saved = errno;
  close(fd);
  if (!ok) return make_error(Errc::io, path + ": sync failed: " + std::strerror(saved));
  return Ok{};
}

}  // namespace

Status sync_wal(const std::string& db_path) { return sync_file(db_path + "-wal", O_RDONLY); }

Status sync_directory_of(const std::string& path) {
  return sync_file(parent_directory(path), O_RDONLY | O_DIRECTORY);
}

Status step_done(sqlite3* db, sqlite3_stmt* s, const std::string& what) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return db_error(db, rc, what);
  return Ok{};
}

}  // namespace sshotp::sqlite
