#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The reference setup in examples/postgresql/ is tested, not only written: its server settings
# (primary.conf, standby.conf) are included into a throwaway server (harness/postgres_lib.sh),
# with the test's paths, address and standby name in place of the examples' own, and every
# setting must take effect from that file (pg_settings.sourcefile) without an error
# (pg_file_settings); its pg_hba.conf, added to the server's, must parse without an error row
# (pg_hba_file_rules), and a doctored copy must not (so that the check can fail). The server is
# restarted with the example settings, so that those needing a restart apply too.
# Skips (77) only when not root.
# shellcheck disable=SC2119 # pg_halt_server and pg_restart_server: the server of PG_DIR
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-examples
examples="$SSHOTP_SRCDIR/examples/postgresql"

# localize FILE: FILE with the test's own paths and address: the TLS files where the harness
# keeps them, the server on 127.0.0.1 only. synchronous_standby_names stays as written (and is
# checked): no standby runs here, so the test writes nothing that would wait for one.
localize() {
  sed -e "s#/etc/postgresql/ssl/server\.\(crt\|key\)#$PG_DIR/server.\1#" \
    -e "s#/etc/postgresql/ssl/ca\.crt#$PG_DIR/ca.crt#" \
    -e "s#/etc/postgresql/ssl/#$PG_DIR/#" \
    -e "s#^listen_addresses = .*#listen_addresses = '127.0.0.1'#" "$1"
}

# setting_names FILE: the names the file sets, one a line.
setting_names() { sed -n 's/^\([a-z_]*\) *=.*/\1/p' "$1"; }

included=()
for name in primary standby; do
  localize "$examples/$name.conf" >"$PG_DIR/data/sshotp-$name.conf"
  echo "include 'sshotp-$name.conf'" >>"$PG_DIR/data/postgresql.conf"
  included+=("$PG_DIR/data/sshotp-$name.conf")
done
chown nobody:nogroup "${included[@]}"
pg_halt_server
pg_restart_server

# Every setting of the file took effect from it; none was refused.
settings_apply() {
  local file=$1 status=0 name from errors
  errors=$(pg_super_sql "SELECT name || ': ' || coalesce(error, 'not applied')
    FROM pg_file_settings WHERE sourcefile = '$file' AND (error IS NOT NULL OR NOT applied)")
  [[ -z $errors ]] || { echo "  ${file##*/}: $errors"; status=1; }
  for name in $(setting_names "$file"); do
    from=$(pg_super_sql "SELECT sourcefile FROM pg_settings WHERE name = '$name'")
    [[ $from == "$file" ]] ||
      { echo "  $name: set by ${from:-no file}, not ${file##*/}"; status=1; }
  done
  [[ -n $(setting_names "$file") ]] || status=1
  return "$status"
}
status=0
settings_apply "$PG_DIR/data/sshotp-primary.conf" || status=1
verdict "primary.conf: every setting takes effect" "$status"
status=0
settings_apply "$PG_DIR/data/sshotp-standby.conf" || status=1
verdict "standby.conf: every setting takes effect" "$status"

# What the durability of codes rests on, as the server shows it.
status=0
[[ $(pg_super_sql "SHOW synchronous_standby_names") == "FIRST 1 (standby1)" &&
  $(pg_super_sql "SHOW synchronous_commit") == on && $(pg_super_sql "SHOW ssl") == on &&
  $(pg_super_sql "SHOW wal_level") == replica ]] || status=1
# The standby's primary_conninfo names it as synchronous_standby_names does, and checks the
# primary's certificate.
conninfo=$(pg_super_sql "SHOW primary_conninfo")
[[ $conninfo == *application_name=standby1* && $conninfo == *sslmode=verify-full* &&
  $conninfo == *sslcert=* ]] || status=1
verdict "synchronous standby, synchronous_commit, TLS and the standby's conninfo as shown" "$status"

# hba_errors FILE...: the error rows of pg_hba_file_rules once the server's pg_hba.conf is its
# own lines followed by the FILEs' (pg_hba_file_rules parses the file on disk, no reload).
hba_errors() {
  cat "$@" >>"$PG_DIR/data/pg_hba.conf"
  pg_super_sql "SELECT line_number || ': ' || error FROM pg_hba_file_rules WHERE error IS NOT NULL"
}
cp "$PG_DIR/data/pg_hba.conf" "$PG_DIR/pg_hba.conf.harness"
status=0
errors=$(hba_errors "$examples/pg_hba.conf")
[[ -z $errors ]] || { echo "  $errors"; status=1; }
# Its lines are there (the replication line among them), each over TLS with a certificate.
ours="line_number > $(wc -l <"$PG_DIR/pg_hba.conf.harness")"
[[ $(pg_super_sql "SELECT count(*) FROM pg_hba_file_rules WHERE $ours
  AND 'replication' = ANY(database) AND type = 'hostssl' AND auth_method = 'cert'") == 1 ]] ||
  { echo "  no hostssl cert line for replication"; status=1; }
[[ $(pg_super_sql "SELECT count(*) FROM pg_hba_file_rules WHERE $ours AND type LIKE 'host%'
  AND (type <> 'hostssl' OR auth_method <> 'cert')") == 0 ]] ||
  { echo "  a network line without TLS or a certificate"; status=1; }
cp "$PG_DIR/pg_hba.conf.harness" "$PG_DIR/data/pg_hba.conf"
# The check can fail: a misspelt method is an error row.
printf 'hostssl sshotp +sshotp_host 192.0.2.0/24 certificate\n' >"$PG_DIR/doctored-hba"
[[ -n $(hba_errors "$examples/pg_hba.conf" "$PG_DIR/doctored-hba") ]] ||
  { echo "  a doctored line went unnoticed"; status=1; }
cp "$PG_DIR/pg_hba.conf.harness" "$PG_DIR/data/pg_hba.conf"
verdict "pg_hba.conf: parses without an error, TLS with certificates only" "$status"
pg_test_finish
