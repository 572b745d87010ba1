// SPDX-License-Identifier: BSD-3-Clause
// Small RAII and error helpers over the SQLite C API, shared by the store's files. Internal to
// common/: nothing outside the sqlite_* files includes <sqlite3.h>.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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

void bind_text(sqlite3_stmt* s, int index, std::string_view text);
void bind_bytes(sqlite3_stmt* s, int index, const std::uint8_t* data, std::size_t size);

// Waits until everything committed to `<db_path>-wal` is on disk (fdatasync).
Status sync_wal(const std::string& db_path);
// The same for the directory holding `path`: a newly created file's name is only durable then.
Status sync_directory_of(const std::string& path);

// Steps a statement that returns no rows; an error names `what`.
Status step_done(sqlite3* db, sqlite3_stmt* s, const std::string& what);

}  // namespace sshotp::sqlite
