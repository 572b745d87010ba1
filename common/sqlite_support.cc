// SPDX-License-Identifier: BSD-3-Clause
#include "common/sqlite_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
