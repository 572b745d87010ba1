// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-enroll db check`'s facts (see pg_admin.h): the server, the TLS session as the server
// sees it, the schema version and how the role's privileges differ from a host's.
#include <string>

#include "common/postgresql/pg_admin.h"
#include "common/postgresql/pg_columns.h"
#include "common/postgresql/pg_connect.h"
#include "common/postgresql/pg_store.h"

namespace sshotp::pg {
namespace {

constexpr const char* kSession =
    "SELECT current_user, current_setting('server_version'),"
    " coalesce((SELECT version || ' ' || cipher FROM pg_stat_ssl"
    "  WHERE pid = pg_backend_pid() AND ssl), '')";

// What a host role needs, table by table (schema_001.sql's GRANTs, seen from the other side:
// this is the check that they still hold on a live server, where anyone may have granted more).
// A table this build does not know may have any row privilege; TRUNCATE, REFERENCES, TRIGGER
// and owning a table (ALTER, DROP) are wrong anywhere, and so are DDL and temporary tables.
constexpr const char* kPrivilegeProblems = R"sql(
WITH expected(tbl, privs) AS (VALUES
  ('schema_version', '{SELECT}'::text[]),
  ('enrollments', '{SELECT,INSERT,UPDATE,DELETE}'),
  ('recovery_codes', '{SELECT,INSERT,UPDATE,DELETE}'),
  ('pending_enrollments', '{SELECT,INSERT,UPDATE,DELETE}'),
  ('store_meta', '{SELECT,UPDATE}'),
  ('key_check', '{SELECT,INSERT,UPDATE}')),
tables AS (SELECT c.oid, c.relname, c.relowner FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'sshotp' AND c.relkind IN ('r', 'p', 'v', 'S')),
privs(priv) AS (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'),
  ('REFERENCES'), ('TRIGGER'))
SELECT format('%s on sshotp.%s: %s', p.priv, t.relname,
  CASE WHEN has_table_privilege(t.oid, p.priv) THEN 'granted, a host must not have it'
  ELSE 'missing' END)
  FROM tables t LEFT JOIN expected e ON e.tbl = t.relname CROSS JOIN privs p
  WHERE CASE WHEN e.tbl IS NULL
    THEN p.priv IN ('TRUNCATE', 'REFERENCES', 'TRIGGER') AND has_table_privilege(t.oid, p.priv)
    ELSE has_table_privilege(t.oid, p.priv) <> (p.priv = ANY (e.privs)) END
UNION ALL SELECT format('owns sshotp.%s (ALTER, DROP)', relname) FROM tables
  WHERE pg_has_role(relowner, 'USAGE')
UNION ALL SELECT format('table sshotp.%s is missing', tbl) FROM expected
  WHERE tbl NOT IN (SELECT relname FROM tables)
UNION ALL SELECT 'USAGE on schema sshotp: missing'
  WHERE NOT has_schema_privilege('sshotp', 'USAGE')
UNION ALL SELECT 'CREATE on schema sshotp: granted, a host must not have it'
  WHERE has_schema_privilege('sshotp', 'CREATE')
UNION ALL SELECT 'CREATE on schema public: granted, a host must not have it'
  WHERE has_schema_privilege('public', 'CREATE')
UNION ALL SELECT 'CREATE on the database: granted, a host must not have it'
  WHERE has_database_privilege(current_database(), 'CREATE')
UNION ALL SELECT 'TEMPORARY on the database: granted, a host must not have it'
  WHERE has_database_privilege(current_database(), 'TEMPORARY')
UNION ALL SELECT 'owns the database' FROM pg_database
  WHERE datname = current_database() AND pg_has_role(datdba, 'USAGE')
UNION ALL SELECT 'role attribute ' || a FROM pg_roles r,
  LATERAL (VALUES ('SUPERUSER', r.rolsuper), ('CREATEROLE', r.rolcreaterole),
                  ('CREATEDB', r.rolcreatedb), ('BYPASSRLS', r.rolbypassrls)) v(a, has)
  WHERE r.rolname = current_user AND has
)sql";

std::string text(const PGresult* r, int row, int column) {
  auto value = text_at(r, row, column);
  return value ? std::string(*value) : std::string();
}

// The sslmode that applies: the conninfo's, else our verify-full (pg_connection.cc).
std::string effective_sslmode(const std::string& conninfo) {
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), nullptr), &PQconninfoFree);
  for (const PQconninfoOption* o = options.get(); o != nullptr && o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "sslmode" && o->val != nullptr && o->val[0] != '\0') {
      return o->val;
    }
  }
  return "verify-full";
}

}  // namespace

Result<DatabaseFacts> inspect(const StorePluginRequest& request) {
  Deadline deadline(request.timeout_ms, /*per_call=*/true);  // a command's bound (pg_store.h)
  auto conn = connect_once(request.conninfo, deadline);
  if (!conn) return std::move(conn).error();
  Connection& c = **conn;
  DatabaseFacts facts;
  facts.server = c.where();
  facts.known_version = kSchemaVersion;
  facts.sslmode = effective_sslmode(request.conninfo);
  auto session = c.exec(kSession, {}, "session");
  if (!session) return std::move(session).error();
  facts.role = text(session->get(), 0, 0);
  facts.server_version = text(session->get(), 0, 1);
  facts.tls = text(session->get(), 0, 2);
  facts.server_verified =
      !facts.tls.empty() && (facts.sslmode == "verify-ca" || facts.sslmode == "verify-full");
  auto version = schema_version(c);
  if (!version) return std::move(version).error();
  facts.schema_version = *version;
  if (facts.schema_version == 0) return facts;  // no schema: nothing to hold privileges on
  auto problems = c.exec(kPrivilegeProblems, {}, "privileges");
  if (!problems) return std::move(problems).error();
  for (int row = 0; row < PQntuples(problems->get()); ++row) {
    facts.privilege_problems.push_back(text(problems->get(), row, 0));
  }
  return facts;
}

}  // namespace sshotp::pg
