#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/fleet.sh RESULTS SIZES CALLS PROCESSES ROUNDS PROBES: the fleet phases of `make bench`
# (bench/run.sh runs it; bench/README.md). A throwaway PostgreSQL on 127.0.0.1 with TLS and
# client certificates (harness/postgres_lib.sh) and, when Debian's pgbouncer is installed, a
# throwaway PgBouncer (harness/pgbouncer_lib.sh) in transaction pooling in front of it; then,
# through the real libpam:
#   sshotp-bench fleet       latency and calls/s of SQLite, PostgreSQL direct and PgBouncer hosts
#                            at each of SIZES users and P = 1 and 8, CALLS calls of each path
#   sshotp-bench contention  PROCESSES (a list) processes on hot users through two hosts for
#                            ROUNDS steps; afterwards the database's own record of the consumes
#                            (a trigger this script installs) is compared with the driver's count
#   pg-probe                 where the time goes, PROBES iterations, direct and through PgBouncer
# Without the PostgreSQL plugin (configure without --with-postgresql) it records why and exits 0.
# Exit status: 0; 1 on a functional failure; 2 (or the harness's 99) on a setup error.
set -euo pipefail
(($# == 6)) || { echo "usage: bench/fleet.sh RESULTS SIZES CALLS PROCESSES ROUNDS PROBES" >&2; exit 2; }
results=$1 sizes=$2 calls=$3 processes=$4 rounds=$5 probes=$6

skip() {
  printf 'fleet_skipped\t%s\n' "$1" >>"$results"
  echo "fleet phases skipped: $1"
  exit 0
}
[[ -n ${BENCH_PG_PLUGIN:-} && -f ${BENCH_PG_PLUGIN:-} && -x ${BENCH_PG_PROBE:-} ]] ||
  skip "this build has no PostgreSQL plugin (configure --with-postgresql)"

# The synthetic accounts (bench/run.sh preloads them) are the driver's business only, not the
# servers'.
bench_preload=${LD_PRELOAD:-}
unset LD_PRELOAD
[[ -x ${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb ]] ||
  skip "PostgreSQL 15's server programs are not installed (deps.sh installs them)"
# shellcheck source=harness/harness_lib.sh
. "$SSHOTP_SRCDIR/harness/harness_lib.sh"
# shellcheck source=harness/postgres_lib.sh
. "$SSHOTP_SRCDIR/harness/postgres_lib.sh"
# shellcheck source=harness/pgbouncer_lib.sh
. "$SSHOTP_SRCDIR/harness/pgbouncer_lib.sh"
e2e_init sshotp-bench-fleet
e2e_capture_syslog
pg_start_server
pg_apply_schema
# The harness's server skips disk syncs (a test server); a benchmark of logins that must be
# durable does not: both settings take effect on a reload.
pg_super_sql "ALTER SYSTEM SET fsync = on" "ALTER SYSTEM SET full_page_writes = on" \
  "SELECT pg_reload_conf()" >/dev/null
fleet=(--plugin "$BENCH_PG_PLUGIN" --key-file "$E2E_TMP/fleet.key" --direct "$PG_HOST_CONNINFO")
probe=("pg-direct=$PG_HOST_CONNINFO")
if [[ -x $PGB_BIN ]]; then
  # shellcheck disable=SC2119 # no client roles beyond the host role
  pgb_start
  fleet+=(--bouncer "$(pgb_conninfo "$PG_HOST_ROLE")")
  probe+=("pgbouncer=$(pgb_conninfo "$PG_HOST_ROLE")")
  echo "PgBouncer on 127.0.0.1:$PGB_PORT, PostgreSQL on 127.0.0.1:$PG_PORT"
else
  printf 'fleet_skipped\t%s\n' "PgBouncer ($PGB_BIN is not installed: Debian's pgbouncer)" >>"$results"
  echo "PostgreSQL on 127.0.0.1:$PG_PORT (no $PGB_BIN: PgBouncer not measured)"
fi
printf 'fleet_env\tpostgresql\t%s\n' "$(pg_super_sql 'SHOW server_version')" >>"$results"

# took STEP: the seconds since the start, in the log and the results (the report's wall times).
took() {
  printf 'fleet_time\t%s\t%s\n' "$1" "$SECONDS" >>"$results"
  echo "(fleet.sh: $1 after $SECONDS s)"
}
took "servers started"

status=0
driver() {
  local rc=0
  "${E2E_PRIVATE[@]}" env LD_PRELOAD="$bench_preload" "$BENCH_DRIVER" --work "$E2E_TMP/work" --module "$PAM_SSHOTP_MODULE" \
    --results "$results" "$@" || rc=$?
  case $rc in
    0) ;;
    1) status=1 ;;
    *) exit "$rc" ;;
  esac
}
mkdir -m 0700 "$E2E_TMP/work"
driver fleet "${fleet[@]}" --sizes "$sizes" --workers 1,8 --calls "$calls"
took "latency done"

# The database's own record of every consume that committed, for the contention's hot users:
# a trigger on last_step, owned by the superuser (the host role only runs it).
pg_super_sql "CREATE SCHEMA bench_audit" \
  "CREATE TABLE bench_audit.consumes (username text NOT NULL, step bigint NOT NULL)" \
  "CREATE FUNCTION bench_audit.record() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
     SET search_path = pg_catalog AS \$\$ BEGIN
     INSERT INTO bench_audit.consumes VALUES (NEW.username, NEW.last_step); RETURN NEW; END \$\$" \
  "CREATE TRIGGER bench_consumes AFTER UPDATE OF last_step ON sshotp.enrollments FOR EACH ROW
     WHEN (NEW.last_step > OLD.last_step) EXECUTE FUNCTION bench_audit.record()"
driver contention "${fleet[@]}" --processes "$processes" --rounds "$rounds"
pg_super_sql "DROP TRIGGER bench_consumes ON sshotp.enrollments"
read -r committed distinct < <(pg_super_sql "SELECT count(*) || ' ' || count(DISTINCT (username, step))
  FROM bench_audit.consumes WHERE username LIKE 'bench9%'")
accepts=$(awk -F '\t' '$1 == "contention" { n += $6 } END { print n + 0 }' "$results")
printf 'contention_db\t%s\t%s\t%s\n' "$committed" "$distinct" "$accepts" >>"$results"
echo "database: $committed consumes committed, $distinct distinct (user, step); driver: $accepts accepts"
if [[ $committed != "$distinct" ]] || [[ $committed != "$accepts" ]]; then
  echo "FUNCTIONAL FAILURE: the database's consumes do not match the accepts" >&2
  status=1
fi
took "contention done"

"$BENCH_PG_PROBE" --iterations "$probes" --results "$results" --user bench9000000 "${probe[@]}" ||
  exit 2
took "probe done"
exit "$status"
