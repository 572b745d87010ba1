# SPDX-License-Identifier: BSD-3-Clause
# The `migrate oath` cases of tests/cli/test_migrate.sh, which sources this file after cli_lib.sh
# and migrate_lib.sh. The users file mixes every kind of line pam_oath knows, with fresh
# random keys; the imported users log in with codes from oathtool. Tokens (HOTP lines) are used
# with pam_oath itself first, so that the counter and last code are what it really writes.
# shellcheck shell=sh disable=SC2154  # $WORK, $rc, $OATH ... come from the sourcing test

# Writes $OATH/users.oath. The line numbers matter: the report names them.
write_usersfile() {
  K30=$(random_hex 20)
  K60=$(random_hex 32)
  K8=$(random_hex 20)
  KREPLAY=$(random_hex 20)
  KH6=$(random_hex 20)
  KH8=$(random_hex 20)
  # pam_oath's record of its last accepted code: that code must stay used after the migration.
  REPLAY_CODE=$(hex_code "$KREPLAY")
  REPLAY_STEP=$(($(date +%s) / 30))
  last_time=$(date +%Y-%m-%dT%H:%M:%SL)
  cat >"$OATH/users.oath" <<EOF
# pam_oath users
HOTP/T30 oa30 - $K30
HOTP/T60/8	oa60	-	$K60
HOTP/T30/8 oa8 + $K8 0
HOTP oahotp - $KH6
HOTP/E/8 oahotp8 - $KH8 12
HOTP/T30 oapin 4711 $K30
HOTP/T30 oabroken -
this is not a users file line
HOTP/T30 oashort - 0011223344
HOTP/T30 oareplay - $KREPLAY 0 $REPLAY_CODE $last_time
HOTP/T30 oa30 - $K60
EOF
}

# expect_keys_not_shown: none of the file's keys is in the captured output.
expect_keys_not_shown() {
  for key in "$K30" "$K60" "$K8" "$KREPLAY" "$KH6" "$KH8"; do
    expect_not_in out "$key" && expect_not_in err "$key" || return 1
  done
}

oath_imports_totp_and_hotp_and_reports_the_rest() {
  write_usersfile || return 1
  migrate_oath "$OATH/users.oath"
  expect_rc 0 || return 1
  for line in "line 2: oa30: imported (SHA1, 6 digits, 30 seconds)" \
    "line 3: oa60: imported (SHA1, 8 digits, 60 seconds)" \
    "line 4: oa8: imported (SHA1, 8 digits, 30 seconds)" \
    "line 5: oahotp: imported (SHA1, 6 digits, counter-based, next counter 0)" \
    "line 6: oahotp8: imported (SHA1, 8 digits, counter-based, next counter 12)" \
    "line 7: oapin: skipped: has a PIN" \
    "line 8: oabroken: skipped: malformed" \
    "line 9: skipped: unknown token type" \
    "line 10: oashort: skipped: the key has 40 bits; at least 80 are required" \
    "line 11: oareplay: imported (SHA1, 6 digits, 30 seconds)" \
    "line 12: oa30: skipped: another key of this user (line 2) is taken" \
    "imported 6, replaced 0, unchanged 0, skipped 5"; do
    expect_in out "$line" || return 1
  done
  expect_not_in out "line 1:" && expect_keys_not_shown || return 1
  [ "$(wc -l <"$WORK/out")" -eq 12 ] || { note "expected 11 lines and a summary"; return 1; }
  expect_in err "pam_oath has no recovery codes" || return 1
  for user in oapin oabroken oashort; do
    expect_status "$user" 5 || { note "$user was stored"; return 1; }
  done
}

oath_users_log_in_with_oathtool_codes() {
  pam_login sshotp-mig oa30 "$(hex_code "$K30")"
  expect_rc 0 || { note "oa30"; return 1; }
  pam_login sshotp-mig oa60 "$(hex_code "$K60" 8 60)"
  expect_rc 0 || { note "oa60"; return 1; }
  pam_login sshotp-mig oa8 "$(hex_code "$K8" 8)"
  expect_rc 0 || { note "oa8"; return 1; }
  expect_status_shows oa8 "digits: 8" "period: 30" "recovery codes left: 0" || return 1
  # Tokens: a line never used starts at its counter.
  pam_login sshotp-mig oahotp "$(hotp_hex "$KH6" 0)"
  expect_rc 0 || { note "oahotp, counter 0"; return 1; }
  pam_login sshotp-mig oahotp8 "$(hotp_hex "$KH8" 11 8)"
  expect_rc 7 || { note "oahotp8 logged in below its counter"; return 1; }
  pam_login sshotp-mig oahotp8 "$(hotp_hex "$KH8" 12 8)"
  expect_rc 0 || { note "oahotp8, counter 12"; return 1; }
}

# Tokens used with pam_oath itself: after a login it writes the counter of the code it accepted
# (not the one after) and that code, which it refuses next time. The migration must refuse it
# too and accept the next press; and a second run, after pam_oath accepted more codes (a host
# not switched over yet), moves the counter on rather than bring those codes back.
oath_tokens_carry_over_from_pam_oath() {
  KT=$(random_hex 20)
  KT8=$(random_hex 32)
  printf 'HOTP/E tok6 - %s 4\nHOTP/E/8 tok8 - %s\n' "$KT" "$KT8" >"$OATH/tokens.oath" &&
    anchor_service oath-old pam_oath "usersfile=$OATH/tokens.oath" window=5 || return 1
  used=$(hotp_hex "$KT" 6)  # two presses lost
  pam_login oath-old tok6 "$used"
  expect_rc 0 || { note "pam_oath refused its own token's code"; return 1; }
  sp='[[:space:]]+'
  grep -Eq "^HOTP/E${sp}tok6$sp-$sp${KT}${sp}6$sp${used}$sp" "$OATH/tokens.oath" ||
    { note "pam_oath did not write counter 6 and its code"; return 1; }
  pam_login oath-old tok6 "$used"
  expect_rc 7 || { note "pam_oath accepted its last code again"; return 1; }
  migrate_oath "$OATH/tokens.oath"
  expect_rc 0 &&
    expect_in out "line 1: tok6: imported (SHA1, 6 digits, counter-based, next counter 7)" &&
    expect_in out "line 2: tok8: imported (SHA1, 8 digits, counter-based, next counter 0)" &&
    expect_not_in out "$KT" || return 1
  pam_login sshotp-mig tok6 "$used"
  expect_rc 7 || { note "pam_oath's last code logged in again"; return 1; }
  pam_login sshotp-mig tok6 "$(hotp_hex "$KT" 7)"
  expect_rc 0 || { note "the next press was refused"; return 1; }
  pam_login sshotp-mig tok8 "$(hotp_hex "$KT8" 0 8)"
  expect_rc 0 || { note "an unused line's first code was refused"; return 1; }
  expect_status_shows tok6 "digits: 6" || return 1

  later=$(hotp_hex "$KT" 9)
  pam_login oath-old tok6 "$later"
  expect_rc 0 || { note "pam_oath refused code 9"; return 1; }
  migrate_oath "$OATH/tokens.oath"
  expect_rc 0 &&
    expect_in out "line 1: tok6: migrated already; pam_oath accepted codes since" &&
    expect_in out "so the next counter is now 10" &&
    expect_in out "line 2: tok8: migrated already; nothing changed" || return 1
  for counter in 8 9; do
    pam_login sshotp-mig tok6 "$(hotp_hex "$KT" "$counter")"
    expect_rc 7 || { note "counter $counter logged in after pam_oath used 9"; return 1; }
  done
  pam_login sshotp-mig tok6 "$(hotp_hex "$KT" 10)"
  expect_rc 0
}

oath_last_code_stays_used() {
  last=$(sqlite3 -readonly "$DB" "SELECT last_step FROM enrollments WHERE user = 'oareplay'")
  # The recorded code's own step (found near the recorded time), or the next one if the
  # clock ticked between making the code and reading the time.
  if [ "$last" -lt "$REPLAY_STEP" ] || [ "$last" -gt $((REPLAY_STEP + 1)) ]; then
    note "last_step $last, expected about $REPLAY_STEP"
    return 1
  fi
  pam_login sshotp-mig oareplay "$REPLAY_CODE"
  expect_rc 7 || { note "pam_oath's last code logged in again"; return 1; }
}

oath_migration_is_idempotent() {
  status_snapshot oa30 "$WORK/oa30-first"
  migrate_oath "$OATH/users.oath"
  expect_rc 0 && expect_in out "line 2: oa30: migrated already; nothing changed" &&
    expect_in out "imported 0, replaced 0, unchanged 6, skipped 5" || return 1
  status_snapshot oa30 "$WORK/oa30-second"
  cmp -s "$WORK/oa30-first" "$WORK/oa30-second" ||
    { note "status changed: $(diff "$WORK/oa30-first" "$WORK/oa30-second")"; return 1; }
  # A user's own recovery codes survive a re-run: pam_oath had none to bring back.
  enroll recovery oa30 --count 3 </dev/null
  expect_rc 0 || return 1
  migrate_oath "$OATH/users.oath"
  expect_rc 0 && expect_status_shows oa30 "recovery codes left: 3"
}

oath_unsafe_files_are_refused() {
  ln -s "$OATH/users.oath" "$OATH/link" &&
    cp "$OATH/users.oath" "$OATH/open" && chmod 664 "$OATH/open" || return 1
  migrate_oath "$OATH/link"
  expect_rc 1 && expect_in err "migrate-oath $OATH/link: $OATH/link: is a symbolic link" ||
    return 1
  migrate_oath "$OATH/open"
  expect_rc 1 && expect_in err "is writable by group or others" || return 1
  migrate_oath "$OATH/missing"
  expect_rc 1 && expect_in err "$OATH/missing"
}

# Names are canonicalised as for `import USER` (Dave and DAVE are aliases of dave's uid in
# tests/support/with_nss.sh): before, "Dave" got a row the module, which looks up dave, never
# found, and "dave" plus "DAVE" were two rows for one account.
oath_names_are_canonical() {
  printf 'HOTP/T30 dave - %s\nHOTP/T30 DAVE - %s\n' "$K30" "$K60" >"$OATH/alias.oath"
  printf 'HOTP/T30 Dave - %s\n' "$K30" >"$OATH/dave.oath"
  enroll_nss migrate oath "$OATH/alias.oath" </dev/null
  expect_rc 1 && expect_in err "lines 1 and 2 are both the account 'dave'" || return 1
  enroll list --json </dev/null
  expect_not_in out '"dave"' && expect_not_in out '"DAVE"' || return 1
  enroll_nss migrate oath "$OATH/dave.oath" </dev/null
  expect_rc 0 && expect_in out "line 1: dave: imported" || return 1
  enroll list --json </dev/null
  expect_in out '"dave"' && expect_not_in out '"Dave"'
}
