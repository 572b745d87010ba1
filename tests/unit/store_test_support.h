// SPDX-License-Identifier: BSD-3-Clause
// Helpers shared by the store's unit tests (test_store.cc, test_store_open.cc): opening a store
// that must open, editing its file behind its back, and skipping what is SQLite's alone when the
// contract suite runs them against PostgreSQL. Include it last: it brings in
// cmocka, whose macros clash with standard headers included after it.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "common/sqlite_store.h"
#include "common/store.h"
#include "tests/support/cmocka.h"
#include "tests/support/fixture.h"

namespace sshotp::test {

constexpr unsigned kBusyTimeoutMs = 2000;

inline std::unique_ptr<Store> open_ok(const std::string& path, OpenMode mode,
                                      unsigned busy_timeout_ms = kBusyTimeoutMs) {
  auto store = open_sqlite_store(path, mode, busy_timeout_ms);
  if (!store) print_error("open %s: %s\n", path.c_str(), store.error().message.c_str());
  assert_true(store.ok());
  return std::move(store).value();
}

// Skips the calling test when the run is against PostgreSQL: for what is SQLite's own (its file,
// its single writer's lock), not the Store contract.
#define SSHOTP_SQLITE_ONLY()                   \
  do {                                         \
    if (sshotp::test::store_is_postgresql()) { \
      print_message("SQLite only: skipped\n"); \
      skip();                                  \
    }                                          \
  } while (0)

// Runs SQL on the store file behind the store's back, the way an attacker or a bug would.
inline void raw_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) print_error("%s: %s\n", sql, sqlite3_errmsg(db));
  sqlite3_close(db);
  assert_int_equal(rc, SQLITE_OK);
}

}  // namespace sshotp::test
