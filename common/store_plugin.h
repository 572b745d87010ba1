// SPDX-License-Identifier: BSD-3-Clause
// The boundary between the core and a store plugin (store_postgresql.so, common/postgresql/):
// what the plugin exports and how the core checks that the plugin was built with it. The core
// dlopen()s a plugin only when the configuration asks for its store (store_factory.h), so a
// SQLite host never maps libpq and what libpq pulls in (libssl, libldap, GSSAPI).
//
// The interface is C++ (store.h's classes, std::string, Result), which is sound only because
// both sides come from one build:
//   * the same compiler, standard library headers and project headers: the plugin's build stamp
//     (below) must equal the core's, or the core refuses the plugin (fail closed);
//   * each side has its own copy of libstdc++ (pam_sshotp.so links a private static one), so no
//     exception may cross: every plugin function and method catches everything and returns an
//     error (pg_transaction.h's guarded()), and the core calls the plugin only through them;
//   * memory changes hands (a Result's strings and vectors, the Store the plugin allocated and
//     the core deletes through its virtual destructor): both copies' operator new and delete
//     are malloc and free of the one C library, so either side may free what the other made;
//   * no RTTI or dynamic_cast across the boundary: the two copies' type_info objects differ.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/store.h"
#include "common/store_build_stamp.h"  // generated: SSHOTP_STORE_ABI_HASH

namespace sshotp {

// What the core asks of a PostgreSQL plugin.
struct StorePluginRequest {
  std::string conninfo;                   // libpq keywords (pg_conninfo)
  unsigned timeout_ms = 3000;             // pg_timeout_ms
  bool deadline_per_transaction = false;  // see pg_store.h's StoreSettings
};

// `sshotp-enroll db init | upgrade` (run as the owner role): the schema migrations, compiled into
// the plugin, applied in one transaction. init wants an empty database, upgrade an initialised
// one; both end at the newest version.
enum class SchemaAction { init, upgrade };
struct SchemaChange {
  int from = 0;  // 0: nothing was there
  int to = 0;
};

// `sshotp-enroll db check`: what the plugin found out about the server and the role it logs in
// as. Facts only; the CLI words them and decides the exit status (the key check is the core's).
struct DatabaseFacts {
  std::string server;            // host:port/dbname
  std::string server_version;    // server_version
  std::string role;              // current_user
  std::string tls;               // "TLSv1.3 TLS_AES_256_GCM_SHA384", empty without TLS
  bool server_verified = false;  // sslmode verify-ca or verify-full on TLS
  std::string sslmode;           // as it applies (our default: verify-full)
  int schema_version = 0;        // 0: not initialised
  int known_version = 0;         // the newest this build understands
  // Each privilege the role has but a host must not (DDL, TRUNCATE, ...), or lacks but needs.
  std::vector<std::string> privilege_problems;
};

struct StorePlugin {
  const char* build_stamp;  // must equal kStoreBuildStamp, compared before anything else
  Result<std::unique_ptr<Store>> (*open)(const StorePluginRequest& request) noexcept;
  Result<SchemaChange> (*migrate)(const StorePluginRequest& request, SchemaAction action) noexcept;
  Result<DatabaseFacts> (*inspect)(const StorePluginRequest& request) noexcept;
};

// The plugin's one exported symbol: extern "C" const StorePlugin* sshotp_store_plugin_v1().
inline constexpr const char* kStorePluginSymbol = "sshotp_store_plugin_v1";
using StorePluginEntry = const StorePlugin* (*)();

#define SSHOTP_STAMP_STRING2(x) #x
#define SSHOTP_STAMP_STRING(x) SSHOTP_STAMP_STRING2(x)
// The release, the compiler, the C++ library's release and a hash of the headers both sides
// share (store_build_stamp.h, made by the build): any difference in what the two sides agree on
// shows here. Compared as text, so both sides must compile this same expression.
inline constexpr const char* kStoreBuildStamp =
    "pam_sshotp " PACKAGE_VERSION " gcc " __VERSION__
    " libstdc++ " SSHOTP_STAMP_STRING(__GLIBCXX__) " abi " SSHOTP_STORE_ABI_HASH;

}  // namespace sshotp
