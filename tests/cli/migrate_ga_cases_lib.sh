# SPDX-License-Identifier: BSD-3-Clause
# The `migrate google-authenticator` cases of tests/cli/test_migrate.sh, which sources this file
# after cli_lib.sh and migrate_lib.sh. State files come from the real google-authenticator
# tool; logins go through libpam and the built module (pam_login.py) with codes from oathtool.
# shellcheck shell=sh disable=SC2154,SC2034  # $WORK, $rc, $GA ... are shared with the test

ga_migrates_and_logs_in() {
  make_ga_file "$GA/alice" -t -d -r 3 -R 30 -w 3 -e 5 || return 1
  migrate_ga alice "$GA/alice"
  expect_rc 0 && expect_in out "alice: migrated from $GA/alice (SHA1, 6 digits, 30 seconds)" &&
    expect_in out "with 5 scratch codes as recovery codes" || return 1
  # Each setting that does not carry over is named, and the window matches (3 = +-1).
  expect_in err "warning: RATE_LIMIT (line 2) is not carried over" &&
    expect_in err "warning: DISALLOW_REUSE (line 4) is not carried over" &&
    expect_not_in err "WINDOW_SIZE" && expect_secret_not_shown "$GA/alice" || return 1
  expect_status_shows alice "algorithm: SHA1" "digits: 6" "period: 30" \
    "recovery codes left: 5" || return 1
  code=$(ga_code "$GA/alice")
  pam_login sshotp-mig alice "$code"
  expect_rc 0 || { note "oathtool's code for the migrated key was refused"; return 1; }
  pam_login sshotp-mig alice "$code"
  expect_rc 7 || { note "the same code logged in twice"; return 1; }
}

ga_scratch_code_logs_in_once() {
  code=$(scratch_code "$GA/alice" 3)
  pam_login sshotp-mig alice "$code"
  expect_rc 0 && expect_in out "Recovery code accepted" || return 1
  pam_login sshotp-mig alice "$code"
  expect_rc 7 || { note "a scratch code logged in twice"; return 1; }
  expect_status_shows alice "recovery codes left: 4"
}

ga_migration_is_idempotent() {
  make_ga_file "$GA/bob" -t -D -u -w 3 -e 4 || return 1
  migrate_ga bob "$GA/bob"
  expect_rc 0 && status_snapshot bob "$WORK/bob-first" || return 1
  migrate_ga bob "$GA/bob"
  expect_rc 0 && expect_in out "bob: already migrated from $GA/bob; nothing changed." || return 1
  status_snapshot bob "$WORK/bob-second"
  cmp -s "$WORK/bob-first" "$WORK/bob-second" ||
    { note "status changed: $(diff "$WORK/bob-first" "$WORK/bob-second")"; return 1; }
  grep -qx "recovery codes left: 4" "$WORK/bob-second" || { note "not 4 codes"; return 1; }
  # The file is the source of truth: a code used since comes back with a new run.
  pam_login sshotp-mig bob "$(scratch_code "$GA/bob" 1)"
  expect_rc 0 && expect_status_shows bob "recovery codes left: 3" || return 1
  migrate_ga bob "$GA/bob"
  expect_rc 0 && expect_in out "the recovery codes are now its 4 scratch codes." &&
    expect_status_shows bob "recovery codes left: 4"
}

ga_step_size_and_window_carry_over() {
  # A file others could read still migrates, with a word that its key may have been copied.
  make_ga_file "$GA/carol" -t -d -u -w 17 -S 45 -e 2 && chmod 644 "$GA/carol" || return 1
  migrate_ga carol "$GA/carol"
  expect_rc 0 && expect_in err "(WINDOW_SIZE 17)" &&
    expect_in err "accepts 1 either side, for every user" &&
    expect_in err "$GA/carol is readable by group or others" || return 1
  expect_status_shows carol "period: 45" || return 1
  pam_login sshotp-mig carol "$(ga_code "$GA/carol" 45)"
  expect_rc 0
}

# A counter-based file, used once with pam_google_authenticator itself: HOTP_COUNTER is the next
# counter it accepts (a match at N + i writes N + i + 1), so the code it accepted stays used
# and the next press logs in; the scratch codes carry over as for a time-based file.
ga_counter_based_carries_over() {
  make_ga_file "$GA/gatok" -c -u -w 3 -e 2 || return 1
  grep -q '^" HOTP_COUNTER 1$' "$GA/gatok" || { note "not a HOTP file"; return 1; }
  anchor_service ga-old pam_google_authenticator "secret=$GA/gatok" user=root || return 1
  used=$(hotp_ga "$GA/gatok" 2)  # one press lost
  pam_login ga-old gatok "$used"
  expect_rc 0 || { note "pam_google_authenticator refused its own code"; return 1; }
  grep -q '^" HOTP_COUNTER 3$' "$GA/gatok" ||
    { note "HOTP_COUNTER is not 3 after counter 2"; return 1; }
  migrate_ga gatok "$GA/gatok"
  expect_rc 0 &&
    expect_in out "gatok: migrated from $GA/gatok (SHA1, 6 digits, counter-based, next counter 3)" &&
    expect_in out "with 2 scratch codes as recovery codes" &&
    expect_in err "up to 2 presses ahead of the expected one (WINDOW_SIZE 3)" &&
    expect_secret_not_shown "$GA/gatok" || return 1
  pam_login sshotp-mig gatok "$used"
  expect_rc 7 || { note "google-authenticator's last code logged in again"; return 1; }
  pam_login sshotp-mig gatok "$(hotp_ga "$GA/gatok" 3)"
  expect_rc 0 || { note "the next press was refused"; return 1; }
  pam_login sshotp-mig gatok "$(scratch_code "$GA/gatok" 1)"
  expect_rc 0 && expect_in out "Recovery code accepted"
}

# hostile_ga NAME MESSAGE: `migrate google-authenticator mallory $GA/NAME` exits 1 with
# MESSAGE, shows nothing of the file and stores nothing.
hostile_ga() {
  rc=0
  timeout 10 "$ENROLL" --config "$CONF" migrate google-authenticator mallory "$GA/$1" \
    </dev/null >"$WORK/out" 2>"$WORK/err" || rc=$?
  if ! expect_rc 1 || ! expect_in err "$2" || ! expect_not_in err "EKE27Q7AF5BAT7OU"; then
    note "file: $1"
    return 1
  fi
  expect_status mallory 5
}

ga_hostile_files_are_refused() {
  good=EKE27Q7AF5BAT7OU377WLR2WWM
  ln -s "$GA/alice" "$GA/link" &&
    head -c 70000 /dev/zero | tr '\0' '1' >"$GA/huge" &&
    head -c 600 /dev/urandom | tr -d '\n' >"$GA/garbage" &&
    printf '%s\n" TOTP_AUTH\n' "${good}1!" >"$GA/badbase32" &&
    printf '%s\n" TOTP_AUTH\n12345678\n1234abcd\n' "$good" >"$GA/letters" &&
    printf '%s\n" TOTP_AUTH\n' "$good" >"$GA/writable" && chmod 666 "$GA/writable" &&
    printf '%s\n" STEP_SIZE 10\n" TOTP_AUTH\n' "$good" >"$GA/step10" &&
    mkfifo "$GA/fifo" && mkdir "$GA/dir" || return 1
  hostile_ga missing "$GA/missing: No such file or directory" &&
    hostile_ga link "$GA/link: is a symbolic link" &&
    hostile_ga huge "$GA/huge: is larger than 65536 bytes" &&
    hostile_ga garbage "$GA/garbage: " &&
    hostile_ga badbase32 "$GA/badbase32: line 1: not a base32 key" &&
    hostile_ga letters "$GA/letters: line 4: neither an option nor an 8-digit scratch code" &&
    hostile_ga writable "$GA/writable: is writable by group or others" &&
    hostile_ga step10 "STEP_SIZE 10 is not supported" &&
    hostile_ga fifo "$GA/fifo: is not a regular file" &&
    hostile_ga dir "$GA/dir: is not a regular file"
}

ga_other_key_needs_replace() {
  with_input "$KEY160\n"
  enroll import erin <"$WORK/in"
  expect_rc 0 && make_ga_file "$GA/erin" -t -d -u -w 3 -e 1 || return 1
  migrate_ga erin "$GA/erin"
  expect_rc 1 && expect_in err "already enrolled with another key; nothing changed" || return 1
  expect_not_in err "warning:" || return 1  # nothing was migrated, so nothing to warn about
  pam_login sshotp-mig erin "$(totp_code "$KEY160")"
  expect_rc 0 || { note "the refused migration changed erin's key"; return 1; }
  migrate_ga erin "$GA/erin" --replace
  expect_rc 0 && expect_in out "erin: the enrollment is replaced by the key from $GA/erin" ||
    return 1
  expect_status_shows erin "recovery codes left: 1" || return 1
  pam_login sshotp-mig erin "$(ga_code "$GA/erin")"
  expect_rc 0
}

ga_arguments() {
  for args in "google-authenticator" "google-authenticator a b c" "google-authenticator --bogus a" \
    "oath" "oath a b" "frobnicate" ""; do
    # shellcheck disable=SC2086  # word splitting is the point
    enroll migrate $args </dev/null
    expect_rc 2 || { note "migrate $args"; return 1; }
  done
  enroll migrate google-authenticator no-such-user-sshotp </dev/null
  expect_rc 1 && expect_in err "no such user in the password database (name the FILE)" ||
    return 1
  copy_enroll_for_nobody
  as_nobody migrate google-authenticator alice "$GA/alice"
  expect_rc 4 && expect_in err "permission denied" || return 1
  as_nobody migrate oath "$GA/alice"
  expect_rc 4 && expect_in err "permission denied"
}

# The default path, ~USER/.google_authenticator, for a user only a private /etc/passwd knows.
# The file there must be the user's own: one of root or anyone else is refused.
# shellcheck disable=SC2016  # expanded by the shell inside the namespace
DEFAULT_PATH_BODY='
  enroll=$1 conf=$2 work=$3 file=$3/gahome/.google_authenticator
  "$enroll" --config "$conf" migrate google-authenticator gauser >"$work/ns-first" 2>&1 || exit 11
  chown 4243 "$file"
  "$enroll" --config "$conf" migrate google-authenticator gauser >"$work/ns-other" 2>&1 && exit 12
  chown 0 "$file"
  "$enroll" --config "$conf" migrate google-authenticator gauser >>"$work/ns-other" 2>&1 && exit 13
  chown 4242 "$file"
  exit 0'

ga_default_path_of_the_user() {
  mkdir -p "$WORK/gahome" && chown 4242 "$WORK/gahome" || return 1
  make_ga_file "$WORK/gahome/.google_authenticator" -t -d -u -w 3 -e 2 &&
    chown 4242 "$WORK/gahome/.google_authenticator" || return 1
  rc=0
  with_passwd_user gauser 4242 "$WORK/gahome" /bin/sh -c "$DEFAULT_PATH_BODY" body "$ENROLL" \
    "$CONF" "$WORK" || rc=$?
  expect_rc 0 || { note "$(cat "$WORK/ns-first" "$WORK/ns-other")"; return 1; }
  if ! grep -qF "gauser: migrated from $WORK/gahome/.google_authenticator" "$WORK/ns-first" ||
    ! grep -qF "is owned by uid 4243, not the user" "$WORK/ns-other" ||
    ! grep -qF "is owned by uid 0, not the user" "$WORK/ns-other"; then
    note "$(cat "$WORK/ns-first" "$WORK/ns-other")"
    return 1
  fi
  pam_login sshotp-mig gauser "$(ga_code "$WORK/gahome/.google_authenticator")"
  expect_rc 0
}
