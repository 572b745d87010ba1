// SPDX-License-Identifier: BSD-3-Clause
// The PostgreSQL implementation of Store, for a fleet of hosts sharing one database, every wait
// bounded by pg_timeout_ms, every failure closed. A connection lives for one transaction: each
// begin_*() connects (pg_connect.h) and the end of the transaction closes it. So nothing is held
// open while a login waits at its prompt or the CLI for its user: no backend per pending prompt
// (up to LoginGraceTime each, against max_connections fleet-wide), and no correct code refused
// because the server, a pooler or a NAT dropped an idle session meanwhile. It costs a login a
// second connect; libpq also warns against forking with an open connection, which this rules
// out between transactions. The schema is created and migrated by the owner role
// (common/postgresql/sql/); a host only checks, on every connection, that the schema is the
// one it understands. Internal to the plugin: the core reaches it through store_plugin.h.
//
// Round trips of a login (measured with log_statement=all; a "connect" is TCP, SSLRequest, the
// TLS 1.3 handshake and the startup with certificate authentication, about 4 round trips; no
// query for target_session_attrs against a server >= 14, which reports its state unasked, or
// against PgBouncer, which reports the state it cached at its first server login):
//   before the prompt:  connect; BEGIN + schema check (one simple-query message); find;
//                       ROLLBACK. Closing the connection would roll back as well, but
//                       PgBouncer in transaction mode then drops its server connection too.
//   after the prompt:   connect; BEGIN + schema check; find FOR UPDATE; then
//                       accepted: consume_step, COMMIT (+ set_lockout after earlier failures);
//                       refused (wrong code): record_failure, COMMIT.
//   So 2 connects + 7 statement round trips, where one long-lived connection took 1 connect + 8
//   (a separate schema check, BEGIN/SELECT/ROLLBACK before the prompt). Pipeline mode (libpq
//   >= 14) could send each BEGIN with its first statement, saving one more per connection.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/store.h"

namespace sshotp::pg {

// The schema version this build understands: the number of sql/schema_NNN.sql migrations
// (test_pg_schema.sh: the files record 1..N; test_pg_store: a store they make opens).
inline constexpr int kSchemaVersion = 1;

struct StoreSettings {
  std::string conninfo;        // libpq keywords; may name several hosts
  unsigned timeout_ms = 3000;  // pg_timeout_ms
  // false (a login): timeout_ms for all the store's waiting for the server, both connections
  // included. true (a command, whose statements may be many and large: `import --batch` of a
  // million users, `list` of as many): each connection and each statement's round trip get
  // timeout_ms each, so a dead or frozen server still ends every command within timeout_ms of
  // its last answer, while bulk work is not cut off by its size. Either way the time between
  // calls (a prompt) does not count.
  bool deadline_per_transaction = false;
};

// Checks the settings (pg_conninfo.h) and starts looking up the hosts' names; connects to
// nothing yet (the first begin_*() does).
Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings);

}  // namespace sshotp::pg
