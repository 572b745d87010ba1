#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `sshotp-enroll db copy FILE.db [--replace]` on a real server: a host's SQLite store, made by
# the CLI and used through libpam (a TOTP step consumed, a recovery code used, a failure
# counted, a user disabled, one pending), is moved into PostgreSQL. A wrong key is refused
# before anything is written, on either side; a user already in PostgreSQL with another secret
# is refused by name (nothing copied) until --replace; a second copy changes nothing and says
# so; the greater last step of the two wins; logins on PostgreSQL afterwards refuse the
# consumed step and the used code and accept the rest. The SQLite files are never changed.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-copy
pg_apply_schema
# shellcheck source=tests/cli/cli_lib.sh
. "$SSHOTP_SRCDIR/tests/cli/cli_lib.sh"
WORK=$E2E_TMP  # cli_lib.sh's work directory: our temp dir, cleaned up by the harness

KEY_ANN=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
KEY_BEN=MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK
KEY_BEN_PG=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU
KEY_CAL=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
SQLITE_DB="$E2E_TMP/host/sshotp.db"
# The host as it was (SQLite), the fleet (PostgreSQL, the same key) and a host with another key.
printf 'db = %s\nkey_file = %s\n' "$SQLITE_DB" "$E2E_TMP/sshotp.key" >"$E2E_TMP/sqlite.conf"
{ pg_store_settings; printf 'key_file = %s\n' "$E2E_TMP/sshotp.key"; } >"$E2E_TMP/pg.conf"
{ pg_store_settings; printf 'key_file = %s\n' "$E2E_TMP/other.key"; } >"$E2E_TMP/other.conf"
head -c 32 /dev/urandom >"$E2E_TMP/other.key"
pam_service on-sqlite "$E2E_TMP/sqlite.conf"
pam_service on-pg "$E2E_TMP/pg.conf"

# as CONF ARGS...: sshotp-enroll with that config; stdout in $WORK/out, stderr in $WORK/err.
as() {
  local conf=$1
  shift
  CONF="$E2E_TMP/$conf.conf" enroll "$@"
}
# must CONF ARGS...: `as`, which must succeed (the setup of a case, not what it checks).
must() {
  as "$@"
  [[ $rc == 0 ]] || { show_output; e2e_die "$* failed (exit $rc)"; }
}
# import_key CONF USER BASE32: `import USER`, the key on stdin; the recovery codes in $WORK/out.
import_key() {
  with_input "$3\n"
  must "$1" import "$2" <"$WORK/in"
}
pg_rows() { pg_super_sql "SELECT count(*) FROM sshotp.$1"; }
# Everything PostgreSQL holds of the users, in one text, to compare before and after.
pg_dump_users() {
  pg_super_sql "SELECT e::text FROM sshotp.enrollments e ORDER BY username" \
    "SELECT p::text FROM sshotp.pending_enrollments p ORDER BY username" \
    "SELECT r::text FROM sshotp.recovery_codes r ORDER BY username, id"
}
sqlite_sums() { sha256sum "$SQLITE_DB" "$SQLITE_DB-wal" 2>/dev/null; }
sqlite_value() { sqlite3 -readonly "$SQLITE_DB" "$1"; }

# The host's store, used: ann logs in with a code (step consumed) and a recovery code (used),
# ben fails once, cal is disabled, dan is halfway through enrolling (a pending row).
import_key sqlite ann "$KEY_ANN"
ANN_CODES=$(cat "$WORK/out")
import_key sqlite ben "$KEY_BEN"
import_key sqlite cal "$KEY_CAL"
must sqlite disable cal </dev/null
ANN_TOTP=$(totp_code "$KEY_ANN")
pam_login on-sqlite ann "$ANN_TOTP"
[[ $rc == 0 ]] || { show_output; e2e_die "ann's code was refused on SQLite"; }
USED_CODE=$(sed -n 1p <<<"$ANN_CODES")
pam_login on-sqlite ann "$USED_CODE"
[[ $rc == 0 ]] || e2e_die "ann's recovery code was refused on SQLite"
pam_login on-sqlite ben "$(totp_code "$KEY_BEN" wrong)"
[[ $rc == 7 ]] || e2e_die "ben's wrong code was not refused on SQLite"
sqlite3 "$SQLITE_DB" "INSERT INTO pending_enrollments SELECT 'dan', algorithm, digits, period,
  sealed_secret, created_at FROM enrollments WHERE user = 'cal'" || e2e_die "no pending dan"
must sqlite list </dev/null  # the WAL back, as a host keeps it
SUMS=$(sqlite_sums)

as other db copy "$SQLITE_DB" </dev/null
[[ $rc == 1 ]] && expect_in err "$E2E_TMP/other.key" && expect_in err "nothing was copied" &&
  [[ $(pg_rows enrollments) == 0 && $(pg_rows key_check) == 0 ]]
verdict "a key file that did not seal the SQLite store is refused, nothing written" $?

import_key other eve "$KEY_BEN_PG"
as pg db copy "$SQLITE_DB" </dev/null
[[ $rc == 1 ]] && expect_in err "$E2E_TMP/sshotp.key" && [[ $(pg_rows enrollments) == 1 ]]
verdict "a key file other than PostgreSQL's is refused, nothing written" $?
must other remove eve </dev/null

import_key pg ben "$KEY_BEN_PG"
BEFORE=$(pg_dump_users)
as pg db copy "$SQLITE_DB" </dev/null
[[ $rc == 1 ]] && expect_in err "nothing was copied" &&
  expect_in err "'ben' is in the PostgreSQL store with other data (a different secret" &&
  [[ $(pg_dump_users) == "$BEFORE" ]]
verdict "a user in PostgreSQL with another secret is refused by name; nothing is copied" $?

as pg db copy "$SQLITE_DB" --replace </dev/null
[[ $rc == 0 ]] && expect_in out "3 users added, 0 updated, 1 replaced" &&
  [[ $(pg_super_sql "SELECT failures FROM sshotp.enrollments WHERE username = 'ben'") == 1 ]]
verdict "--replace copies the file's ben over PostgreSQL's, the others are added" $?

ANN_STEP=$(sqlite_value "SELECT last_step FROM enrollments WHERE user = 'ann'")
[[ $(pg_super_sql "SELECT last_step FROM sshotp.enrollments WHERE username = 'ann'") == \
  "$ANN_STEP" ]] &&
  [[ $(pg_super_sql "SELECT state FROM sshotp.enrollments WHERE username = 'cal'") == disabled ]] &&
  [[ $(pg_super_sql "SELECT count(*) FROM sshotp.pending_enrollments WHERE username = 'dan'") \
    == 1 ]] &&
  [[ $(pg_super_sql "SELECT count(used_at) FROM sshotp.recovery_codes WHERE username = 'ann'") == \
    1 ]] &&
  [[ $(pg_super_sql "SELECT last_host IS NOT NULL FROM sshotp.enrollments WHERE username = 'ann'") \
    == t ]]
verdict "replay state, state, the pending enrollment, used codes and the last use are kept" $?

BEFORE=$(pg_dump_users)
as pg db copy "$SQLITE_DB" </dev/null
[[ $rc == 0 ]] && expect_in out "nothing to copy" && [[ $(pg_dump_users) == "$BEFORE" ]]
verdict "a second copy changes nothing and says so" $?

pam_login on-pg ann "$ANN_TOTP"
[[ $rc == 7 ]]
verdict "the TOTP code consumed on SQLite is refused on PostgreSQL" $?
pam_login on-pg ann "$USED_CODE"
[[ $rc == 7 ]]
verdict "the recovery code used on SQLite is refused on PostgreSQL" $?
pam_login on-pg ann "$(sed -n 2p <<<"$ANN_CODES")"
[[ $rc == 0 ]]
verdict "an unused recovery code works on PostgreSQL: the key and the MACs came along" $?

[[ $(sqlite_sums) == "$SUMS" ]]
verdict "the SQLite files are as they were before the copies, refused or not" $?

# The greater last step wins, whichever side holds it.
sqlite3 "$SQLITE_DB" "UPDATE enrollments SET last_step = last_step + 5 WHERE user = 'ann'"
as pg db copy "$SQLITE_DB" </dev/null
[[ $rc == 0 ]] && expect_in out "0 users added, 1 updated" &&
  [[ $(pg_super_sql "SELECT last_step FROM sshotp.enrollments WHERE username = 'ann'") == \
    $((ANN_STEP + 5)) ]]
step_from_file=$?
pg_super_sql "UPDATE sshotp.enrollments SET last_step = last_step + 5 WHERE username = 'ann'"
as pg db copy "$SQLITE_DB" </dev/null
[[ $step_from_file == 0 && $rc == 0 ]] && expect_in out "nothing to copy" &&
  [[ $(pg_super_sql "SELECT last_step FROM sshotp.enrollments WHERE username = 'ann'") == \
    $((ANN_STEP + 10)) ]]
verdict "the greater last step wins: the file's when newer, PostgreSQL's when newer" $?

# ann used code 1 on SQLite before the copy and code 2 on PostgreSQL after it; now code 3 on
# SQLite: all three stay used.
pam_login on-sqlite ann "$(sed -n 3p <<<"$ANN_CODES")"
[[ $rc == 0 ]] || e2e_die "ann's third recovery code was refused on SQLite"
as pg db copy "$SQLITE_DB" </dev/null
[[ $rc == 0 ]] && expect_in out "0 users added, 1 updated" &&
  [[ $(pg_super_sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM sshotp.recovery_codes
    WHERE username = 'ann' AND used_at IS NOT NULL") == 1,2,3 ]]
verdict "a recovery code used on either side stays used after another copy" $?

as pg db copy "$E2E_TMP/missing.db" </dev/null
[[ $rc == 1 ]] && expect_in err "missing.db"
verdict "a missing file is an error naming it" $?

rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$SSHOTP_ENROLL" \
  --config "$E2E_TMP/pg.conf" db copy "$SQLITE_DB" >"$WORK/out" 2>"$WORK/err" || rc=$?
[[ $rc == 4 ]]
verdict "db copy is root's (exit 4 for another user)" $?

pg_test_finish
