#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of the admin side of sshotp-enroll: `list` (table and --json, parsed by Python's json
# module), the state line of `status`, `disable`/`enable` with logins through libpam and the
# built module (pam_login.py, codes from pyotp), `import --batch` (a bad line of any kind
# writes nothing and names only its line number; a good batch logs in; 10,000 users in one
# go, untimed: bench/import_batch.sh measures), the QR code image files of `enroll`
# (qr_image_session.py: zbarimg, qrencode and rsvg-convert as oracles; 0600, never
# overwritten) and the syslog line of every admin action (in a private mount namespace).
# Everything lives in a mktemp -d directory. The commands are root-only: exit 77 if not root.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll list/disable/import --batch need root"
  exit 77
fi

# Throwaway keys for this test only (160 bits each, except KEY80: too short to import).
KEY_A=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
KEY_B=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
KEY_C=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U
KEY80=GEZDGNBVGY3TQOJQ

setup_work
copy_enroll_for_nobody
pam_service sshotp-admin "$CONF" || exit 99

# with_batch LINES: puts LINES (printf %b escapes) into $WORK/in and runs `import --batch`
# with any further arguments.
with_batch() {
  with_input "$1"
  shift
  enroll import --batch "$@" <"$WORK/in"
}

# list_json PYTHON: runs `list --json`, parses it with json.loads (strict UTF-8) and evaluates
# the Python expression PYTHON over `users`, a dict from user name to its object; the case
# fails unless the expression is true. Prints the JSON on failure.
# shellcheck disable=SC2016  # Python, not shell
JSON_PY='
import json, sys
with open(sys.argv[1], "rb") as f:
    rows = json.loads(f.read().decode("utf-8"))
users = {row["user"]: row for row in rows}
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)'
list_json() {
  enroll list --json </dev/null
  expect_rc 0 || return 1
  "$PY" -c "$JSON_PY" "$WORK/out" "$1" && return 0
  note "list --json fails: $1"
  head -c 3000 "$WORK/out" | sed 's/^/    stdout: /'
  return 1
}

# expect_no_secret: no key of this test appears in the captured output.
expect_no_secret() {
  for secret in "$KEY_A" "$KEY_B" "$KEY_C" "$KEY80"; do
    expect_not_in out "$secret" && expect_not_in err "$secret" || return 1
  done
}

# --------------------------------------------------------------------------------------------
# Arguments

help_lists_admin_commands() {
  enroll_bare --help
  expect_rc 0 || return 1
  for word in list disable enable --json --batch --qr-png --qr-svg; do
    expect_in out "$word" || return 1
  done
}

usage_errors_exit_2() {
  while read -r args; do
    # shellcheck disable=SC2086  # word splitting is the point
    enroll $args </dev/null
    expect_rc 2 || { note "arguments: $args"; return 1; }
  done <<'EOF'
list alice
list --bogus
disable
disable alice bob
enable
enable --json alice
import --batch alice
import --batch --digits 7
import --batch --bogus
enroll --qr-png
enroll --qr-png= alice
enroll --qr-png same --qr-svg same alice
EOF
  [ ! -e "$DB" ] || { note "a usage error created the store"; return 1; }
}

non_root_is_refused() {
  for args in "list" "list --json" "disable alice" "enable alice"; do
    # shellcheck disable=SC2086
    as_nobody $args </dev/null
    expect_rc 4 && expect_in err "permission denied" || { note "as nobody: $args"; return 1; }
  done
  with_input "alice $KEY_A\n"
  as_nobody import --batch <"$WORK/in"
  expect_rc 4 && expect_in err "permission denied"
}

# --------------------------------------------------------------------------------------------
# import --batch

list_before_any_store_is_empty() {
  list_json 'users == {}' || return 1
  enroll list </dev/null
  expect_rc 0 && [ "$(wc -l <"$WORK/out")" -eq 1 ] && expect_in out "USER" &&
    expect_in out "CODES LEFT"
}

# batch_refused LINES REASON LINE_NO: the batch exits 2 naming the line and the reason, prints
# no key, and nothing is written (the store stays as it was: $WORK/before).
batch_refused() {
  with_batch "$1"
  expect_rc 2 || { note "batch: $1"; return 1; }
  expect_in err "import --batch: line $3: $2" && expect_no_secret || return 1
  list_json "users == $(cat "$WORK/before")"
}

bad_batches_write_nothing() {
  printf '{}' >"$WORK/before"
  long=$(head -c 1400 /dev/zero | tr '\0' 'A')
  batch_refused "ann $KEY_A\nben $KEY_B-!\ncat $KEY_C\n" "not a valid base32 key" 2 &&
    batch_refused "ann $KEY_A\n\n# a comment\nben $KEY80\n" "the key has 80 bits" 4 &&
    batch_refused "ann $KEY_A\n$KEY_B\n" "expected USER BASE32" 2 &&
    batch_refused "ann $KEY_A\nb:n $KEY_B\n" \
      "a user name cannot contain spaces, control characters or ':'" 2 &&
    batch_refused "-ben $KEY_B\n" "a user name cannot start with '-'" 1 &&
    batch_refused "ann $KEY_A\nben $KEY_B\nann $KEY_C\n" "the same account ('ann') as line 1" 3 &&
    batch_refused "ann $KEY_A\nben $long\n" "longer than" 2 || return 1
  for input in '' '\n\n# only comments\n'; do
    with_batch "$input"
    expect_rc 2 && expect_in err "no USER BASE32 line" || return 1
  done
}

good_batch_logs_in() {
  # Comments, blank lines, CRLF, tabs and spaces inside the key are all fine.
  with_batch "# users of the old system\nann $KEY_A\r\n\n\tben   GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ\ncat $KEY_C\n"
  expect_rc 0 && expect_in err "imported the keys of 3 users (SHA1, 6 digits, 30 seconds)" &&
    expect_in err "recovery USER" && expect_no_secret || return 1
  [ ! -s "$WORK/out" ] || { note "a batch printed on stdout"; show_output; return 1; }
  list_json 'sorted(users) == ["ann", "ben", "cat"] and all(u["state"] == "active" and
    u["recovery_codes_left"] == 0 and u["last_used"] is None for u in users.values())' ||
    return 1
  pam_login sshotp-admin ann "$(totp_code "$KEY_A")"
  expect_rc 0 || return 1
  pam_login sshotp-admin ben "$(totp_code "$KEY_B")"
  expect_rc 0 || return 1
  pam_login sshotp-admin cat "$(totp_code "$KEY_A")"
  expect_rc 7 || { note "cat logged in with ann's code"; return 1; }
  enroll recovery cat --count 2 </dev/null  # how batch users get their codes
  expect_rc 0 && expect_only_codes 2
}

# A batch canonicalises its names as `import USER` does (Dave and DAVE are aliases of dave's
# uid in with_nss.sh). Before: a "Dave" row the module (which looks up dave) never found, and
# "dave" plus "DAVE" were two rows for one account.
batch_names_are_canonical() {
  with_input "dave $KEY_A\nDAVE $KEY_B\n"
  enroll_nss import --batch <"$WORK/in"
  expect_rc 2 && expect_in err "line 2: the same account ('dave') as line 1" || return 1
  list_json '"dave" not in users and "DAVE" not in users' || return 1
  with_input "Dave $KEY_A\n"
  enroll_nss import --batch <"$WORK/in"
  expect_rc 0 && list_json '"dave" in users and "Dave" not in users' || return 1
  pam_login sshotp-admin Dave "$(totp_code "$KEY_A")"
  expect_rc 0
}

# An admin naming an alias (ALICE shares alice's uid in tests/support/with_nss.sh) enrolls the
# canonical name, the one the module looks up: before, the row was "ALICE" and alice's logins
# found nothing. sshotp-enroll runs under nss_wrapper here, as the module does in pam_login.
alias_operand_enrolls_the_canonical_name() {
  with_input "$KEY_C\n"
  enroll_nss import ALICE <"$WORK/in"
  expect_rc 0 && expect_in err "imported the key of alice" || return 1
  list_json '"alice" in users and "ALICE" not in users' || return 1
  pam_login sshotp-admin ALICE "$(totp_code "$KEY_C")"
  expect_rc 0
}

batch_with_enrolled_user_writes_nothing() {
  enroll list --json </dev/null
  "$PY" -c 'import json, sys; print(repr({u["user"]: u for u in json.load(open(sys.argv[1]))}))' \
    "$WORK/out" >"$WORK/before"
  # abe sorts (and is inserted) before ben: the refusal must take abe back out.
  batch_refused "abe $KEY_A\nben $KEY_C\neve $KEY_B\n" "that user is already enrolled" 2
}

batch_params_apply_to_all() {
  with_batch "fay $KEY_A\ngus $KEY_B\n" --algorithm sha256 --digits 8 --period 60
  expect_rc 0 && expect_in err "(SHA256, 8 digits, 60 seconds)" || return 1
  list_json 'all((users[u]["algorithm"], users[u]["digits"], users[u]["period"]) ==
    ("SHA256", 8, 60) for u in ("fay", "gus")) and users["ann"]["digits"] == 6'
}

ten_thousand_users_in_one_batch() {
  "$PY" -c '
import base64, os
for i in range(10000):
    print(f"bulk{i:05d} {base64.b32encode(os.urandom(20)).decode()}")' >"$WORK/in"
  enroll import --batch <"$WORK/in"
  expect_rc 0 && expect_in err "imported the keys of 10000 users" || return 1
  list_json 'sum(u.startswith("bulk") for u in users) == 10000 and len(users) == 10005' ||
    return 1
  # 6000 new users, then one who exists: refused after more than one chunk of rows went in.
  "$PY" -c '
import base64, os
for i in range(6000):
    print(f"more{i:05d} {base64.b32encode(os.urandom(20)).decode()}")
print(f"bulk09999 {base64.b32encode(os.urandom(20)).decode()}")' >"$WORK/in"
  enroll import --batch <"$WORK/in"
  expect_rc 2 && expect_in err "line 6001: that user is already enrolled" || return 1
  list_json 'len(users) == 10005'
}

# --------------------------------------------------------------------------------------------
# list, status, disable, enable

states_show_in_list_and_status() {
  # hal: locked after one failure; pat: only a pending enrollment (written directly, as an
  # enrollment waiting for its first code would be).
  cat "$CONF" >"$WORK/lock.conf" && printf 'max_failures = 1\n' >>"$WORK/lock.conf" &&
    pam_service sshotp-lock "$WORK/lock.conf" || return 1
  with_batch "hal $KEY_C\n"
  expect_rc 0 || return 1
  pam_login sshotp-lock hal "$(totp_code "$KEY_C" wrong)"
  expect_rc 11 || { note "one failure did not lock hal"; return 1; }
  sqlite3 "$DB" "INSERT INTO pending_enrollments (user, algorithm, digits, period,
    sealed_secret, created_at) VALUES ('pat', 'SHA1', 6, 30, x'0102030405', 1700000000)" ||
    return 1
  list_json 'users["hal"]["state"] == "locked" and users["hal"]["locked_until"] and
    users["hal"]["failures"] == 0 and users["hal"]["lockouts"] == 1 and
    users["pat"]["state"] == "pending" and users["pat"]["created"] == "2023-11-14T22:13:20Z" and
    users["ann"]["state"] == "active" and users["ann"]["last_used"] and
    users["cat"]["recovery_codes_left"] == 2 and
    set(users["ann"]) == {"user", "state", "algorithm", "digits", "period", "created",
      "last_used", "failures", "locked_until", "lockouts", "recovery_codes_left"}' || return 1
  expect_status_shows hal "state: locked" "lockouts: 1" || return 1
  expect_status pat 5 && expect_in out "state: pending" || return 1
  enroll list </dev/null
  expect_rc 0 || return 1
  grep -Eq '^hal +locked +SHA1/6/30 +[0-9T:Z-]+ +never +0 +[0-9T:Z-]+ +0$' "$WORK/out" &&
    grep -Eq '^pat +pending +SHA1/6/30 +2023-11-14T22:13:20Z +never +0 +- +0$' "$WORK/out" &&
    grep -Eq '^fay +active +SHA256/8/60 ' "$WORK/out" ||
    { note "unexpected table"; show_output; return 1; }
}

disable_refuses_logins_until_enable() {
  with_batch "ida $KEY_B\n"
  expect_rc 0 || return 1
  enroll disable ida </dev/null
  expect_rc 0 && expect_in out "ida: disabled" || return 1
  expect_status_shows ida "state: disabled" || return 1
  pam_login sshotp-admin ida "$(totp_code "$KEY_B")"
  expect_rc 7 || { note "a disabled user logged in"; return 1; }
  cp "$WORK/out" "$WORK/disabled-login"
  list_json 'users["ida"]["state"] == "disabled" and users["ida"]["failures"] == 0' || return 1
  enroll enable ida </dev/null
  expect_rc 0 && expect_in out "ida: enabled" && expect_status_shows ida "state: active" ||
    return 1
  # Disabled must not show through: same prompt, same refusal, same words as a wrong code.
  pam_login sshotp-admin ida "$(totp_code "$KEY_B" wrong)"
  expect_rc 7 && cmp -s "$WORK/out" "$WORK/disabled-login" ||
    { note "a disabled login differs from a wrong code:"; diff "$WORK/disabled-login" \
      "$WORK/out" | sed 's/^/    /'; return 1; }
  pam_login sshotp-admin ida "$(totp_code "$KEY_B")"
  expect_rc 0 || return 1
  for command in disable enable; do
    enroll "$command" nobody-here </dev/null
    expect_rc 5 && expect_in err "$command nobody-here: not enrolled" || return 1
  done
}

json_escapes_odd_names() {
  # User names may hold quotes, backslashes and any byte above 0x7f; JSON must stay valid
  # UTF-8 (a byte that is not UTF-8 becomes U+FFFD).
  printf 'q"u\\o\303\251te\377 %s\n' "$KEY_A" >"$WORK/in"
  enroll import --batch <"$WORK/in"
  expect_rc 0 || return 1
  list_json 'users.get("q\"u\\o\u00e9te\ufffd", {}).get("state") == "active"' &&
    expect_no_secret
}

list_stops_at_a_corrupt_row() {
  # The table reads every row before printing any, so it prints nothing; --json streams, so
  # what it printed before the bad row must not parse as a complete array.
  with_batch "mid $KEY_A\n"
  expect_rc 0 || return 1
  sqlite3 "$DB" "UPDATE enrollments SET state = 'bogus' WHERE user = 'mid'" || return 1
  enroll list </dev/null
  expect_rc 1 && expect_in err "corrupt enrollment row for user 'mid'" || return 1
  [ ! -s "$WORK/out" ] || { note "the table printed part of a failed read"; show_output; return 1; }
  enroll list --json </dev/null
  expect_rc 1 && expect_in out '"user": "ann"' || return 1
  if "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$WORK/out" 2>/dev/null; then
    note "a failed list --json printed a complete array"
    return 1
  fi
  sqlite3 "$DB" "DELETE FROM enrollments WHERE user = 'mid'"
}

# --------------------------------------------------------------------------------------------
# QR code image files

# qr_session SCENARIO USER: one pexpect-driven enrollment writing $WORK/USER.png and .svg.
qr_session() {
  "$PY" "$CLI_DIR/qr_image_session.py" --enroll "$ENROLL" --config "$CONF" --user "$2" \
    --issuer "$ISSUER" --png "$WORK/$2.png" --svg "$WORK/$2.svg" --scenario "$1" --work "$WORK"
}

qr_files_are_never_overwritten() {
  cksum "$WORK/kim.png" "$WORK/kim.svg" >"$WORK/sums" || return 1
  for option in --qr-png --qr-svg; do
    rc=0
    setsid -w "$ENROLL" --config "$CONF" enroll --qr=none "$option" "$WORK/kim.${option#--qr-}" \
      lee </dev/null >"$WORK/out" 2>"$WORK/err" || rc=$?
    expect_rc 1 && expect_in err "already exists; refusing to overwrite it" &&
      expect_not_in out "otpauth://" || return 1
  done
  # A symbolic link is refused too, and its target never created.
  ln -s "$WORK/target.png" "$WORK/link.png"
  rc=0
  setsid -w "$ENROLL" --config "$CONF" enroll --qr=none --qr-png "$WORK/link.png" lee \
    </dev/null >"$WORK/out" 2>"$WORK/err" || rc=$?
  expect_rc 1 && [ ! -e "$WORK/target.png" ] || return 1
  cksum "$WORK/kim.png" "$WORK/kim.svg" | cmp -s - "$WORK/sums" ||
    { note "an existing image changed"; return 1; }
  expect_status lee 5
}

# --------------------------------------------------------------------------------------------
# Syslog, in a private mount namespace (see in_private_root)

# shellcheck disable=SC2016  # expanded by the shell inside the namespace
NAMESPACE_BODY='
  enroll=$1 conf=$2 work=$3 py=$4 capture=$5 nobody_enroll=$6
  log() { "$py" "$capture" /dev/log -- "$@" >>"$work/ns-log" 2>&1 </dev/null; }
  "$py" "$capture" /dev/log -- "$enroll" --config "$conf" import --batch \
    <"$work/ns-good" >>"$work/ns-log" 2>&1
  "$py" "$capture" /dev/log -- "$enroll" --config "$conf" import --batch \
    <"$work/ns-bad" >>"$work/ns-log" 2>&1
  log "$enroll" --config "$conf" disable jon
  log "$enroll" --config "$conf" enable jon
  log "$enroll" --config "$conf" disable nobody-here
  log setpriv --reuid=nobody --regid=nogroup --clear-groups "$nobody_enroll" --config "$conf" \
    disable jon
  log "$enroll" --config "$conf" list
  true'

syslog_lines_name_who_whom_what() {
  printf 'jon %s\nkay %s\n' "$KEY_A" "$KEY_B" >"$WORK/ns-good"
  printf 'lou %s\nmia %s\n' "$KEY_C" "$KEY80" >"$WORK/ns-bad"
  : >"$WORK/ns-log"
  in_private_root /bin/sh -c "$NAMESPACE_BODY" body "$ENROLL" "$CONF" "$WORK" "$PY" \
    "$CLI_DIR/syslog_capture.py" "$NOBODY_ENROLL" || return 1
  expect_syslog_lines "$WORK/ns-log" 6 "action=import-batch user=- by_uid=0 result=ok users=2" \
    "action=import-batch user=- by_uid=0 result=bad-input line=2" \
    "action=disable user=jon by_uid=0 result=ok" \
    "action=enable user=jon by_uid=0 result=ok" \
    "action=disable user=nobody-here by_uid=0 result=not-enrolled" \
    "action=disable user=jon by_uid=65534 result=denied" || return 1
  for secret in "$KEY_A" "$KEY_B" "$KEY_C" "$KEY80"; do
    ! grep -qF "$secret" "$WORK/ns-log" || { note "a key was printed or logged"; return 1; }
  done
}

# --------------------------------------------------------------------------------------------

run_case "--help lists list, disable, enable, --json, --batch, --qr-png, --qr-svg" \
  help_lists_admin_commands
run_case "bad arguments exit 2 and create nothing" usage_errors_exit_2
run_case "a non-root caller cannot list, disable, enable or import a batch (exit 4)" \
  non_root_is_refused
run_case "list without a store: a header line, and [] as JSON" list_before_any_store_is_empty
run_case "a batch with a bad line exits 2 naming only the line; nothing is written" \
  bad_batches_write_nothing
run_case "a good batch is stored at once, and its users log in (pyotp codes, libpam)" \
  good_batch_logs_in
run_case "a batch naming an enrolled user exits 2 and writes nothing" \
  batch_with_enrolled_user_writes_nothing
run_case "import --batch --algorithm/--digits/--period apply to every line" \
  batch_params_apply_to_all
run_case "10000 users in one batch" ten_thousand_users_in_one_batch
run_case "list, list --json and status show active, locked and pending states" \
  states_show_in_list_and_status
run_case "disable refuses the right code (PAM_AUTH_ERR); enable lets it in again" \
  disable_refuses_logins_until_enable
run_case "list --json escapes quotes, backslashes and bytes that are not UTF-8" \
  json_escapes_odd_names
run_case "list exits 1 at a corrupt row; --json leaves its array unclosed" \
  list_stops_at_a_corrupt_row
run_case "enroll --qr-png/--qr-svg: 0600 files that decode to the URI; kept once saved" \
  qr_session confirm kim
run_case "enroll --qr-png/--qr-svg: EOF at the prompt removes the files again" \
  qr_session abort lee
run_case "enroll never overwrites an image file, nor follows a symbolic link" \
  qr_files_are_never_overwritten
if private_root_available; then
  run_case "one syslog line per admin action: who, whom, what; never a key" \
    syslog_lines_name_who_whom_what
else
  skip_case "syslog lines" "no private mount namespace: $(cat "$WORK/namespace.err")"
fi

run_case "import --batch stores canonical names; two spellings of one account are refused" \
  batch_names_are_canonical
run_case "import ALICE (an alias of alice's uid) enrolls alice, and ALICE logs in" \
  alias_operand_enrolls_the_canonical_name
finish
