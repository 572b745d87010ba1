#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of `sshotp-enroll import USER --hotp` (counter-based tokens) and --hex: the key read as
# base32 or hex, --counter N taken as the token's next counter (its code logs in through libpam
# and the built module, the code at N - 1 is refused, codes from oathtool), the bounds and
# conflicts of the options refused with exit status 2 and nothing stored, and what `status` and
# `list` (table and JSON) show of a counter-based user; and `enroll --hotp` for an app in
# counter mode (hotp_enroll_session.py). `import --batch` HOTP lines are in
# test_import_batch.sh. Everything lives in a mktemp -d directory. import is root-only: exit 77
# if not root.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/admin_lib.sh
. "$CLI_DIR/admin_lib.sh"
# shellcheck source=tests/cli/recovery_cases_lib.sh
. "$CLI_DIR/recovery_cases_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll import needs root"
  exit 77
fi

# RFC 4226 Appendix D's key, "12345678901234567890", in hex (what a token's seed file or ykman
# prints), with spaces as some vendors print it, and in base32.
HEX=3132333435363738393031323334353637383930
HEX_SPACED="3132 3334 3536 3738 3930 3132 3334 3536 3738 3930"
MAX_COUNTER=281474976710656 # kMaxHotpCounter, 2^48

setup_work
pam_service sshotp-hotp "$CONF" || exit 99
copy_enroll_for_nobody

# import_key KEY ARGS...: `import ARGS...` with KEY on stdin.
import_key() {
  with_input "$1\n"
  shift
  enroll import "$@" <"$WORK/in"
}

# expect_not_enrolled USER: nothing was stored for USER.
expect_not_enrolled() {
  expect_status "$1" 5 || { note "$1 was enrolled"; return 1; }
}

base32_import_logs_in_from_its_counter() {
  import_key "$KEY_A" hana --hotp --counter 42
  expect_rc 0 && expect_only_codes 10 && expect_no_secret || return 1
  expect_in err "imported the key of hana (SHA1, 6 digits, counter-based)" || return 1
  expect_status_shows hana "kind: hotp" "counter: 42" || return 1
  expect_not_in out "period:" || return 1
  # The token's last press before the import (41) is used up; 42 is its next code.
  pam_login sshotp-hotp hana "$(hotp_code "$KEY_A" 41 -b)"
  expect_rc 7 || { note "the code before --counter logged in"; return 1; }
  pam_login sshotp-hotp hana "$(hotp_code "$KEY_A" 42 -b)"
  expect_rc 0 || return 1
  expect_status_shows hana "counter: 43" || return 1
  pam_login sshotp-hotp hana "$(hotp_code "$KEY_A" 42 -b)"
  expect_rc 7 || { note "a used code logged in again"; return 1; }
}

hex_import_logs_in() {
  # Default counter 0; 8 digits; the hex key with spaces, as some token vendors print it.
  import_key "$HEX_SPACED" ivy --hotp --hex --digits 8
  expect_rc 0 && expect_not_in err "$HEX" || return 1
  expect_status_shows ivy "kind: hotp" "digits: 8" "counter: 0" || return 1
  pam_login sshotp-hotp ivy "$(hotp_code "$HEX" 1 --digits=8)"
  expect_rc 0 || { note "a code one press ahead (inside hotp_window) was refused"; return 1; }
  pam_login sshotp-hotp ivy "$(hotp_code "$HEX" 0 --digits=8)"
  expect_rc 7 || { note "a code behind the last used one logged in"; return 1; }
  # --hex is for time-based keys too.
  import_key "$HEX" jon --hex
  expect_rc 0 && expect_status_shows jon "kind: totp" "period: 30" || return 1
  pam_login sshotp-hotp jon "$(printf '%s\n' "$HEX" | oathtool --totp -)"
  expect_rc 0
}

bad_options_and_keys_store_nothing() {
  # Each line: the arguments of `import kim`, then the message expected on stderr.
  while IFS='|' read -r args message; do
    # shellcheck disable=SC2086  # word splitting is the point
    import_key "$KEY_A" kim $args
    expect_rc 2 && expect_in err "$message" && expect_no_secret ||
      { note "arguments: $args"; return 1; }
    expect_not_enrolled kim || return 1
  done <<EOF
--hotp --counter -1|--counter: must be a whole number from 0 to $MAX_COUNTER
--hotp --counter $((MAX_COUNTER + 1))|--counter: must be a whole number from 0 to $MAX_COUNTER
--hotp --counter 12x|--counter: must be a whole number
--hotp --counter|option '--counter' needs a value
--hotp --period 30|--period: a counter-based (--hotp) key has no period
--period 60 --hotp|--period: a counter-based (--hotp) key has no period
--counter 5|--counter: only with --hotp
--period 0|--period: must be 15 to 120
--hotp --hex|not a valid hex key
EOF
  # An odd digit count, a base32 key as hex and a hex one as base32: refused, never quoted.
  for input in "$HEX"1 "$KEY_A"; do
    with_input "$input\n"
    enroll import kim --hotp --hex <"$WORK/in"
    expect_rc 2 && expect_in err "not a valid hex key" && expect_not_in err "$input" ||
      { note "hex input: $input"; return 1; }
  done
  import_key "$HEX" kim --hotp
  expect_rc 2 && expect_in err "not a valid base32 key" && expect_not_enrolled kim
}

counter_bounds_are_inclusive() {
  import_key "$KEY_B" lou --hotp --counter "$MAX_COUNTER"
  expect_rc 0 && expect_status_shows lou "counter: $MAX_COUNTER" || return 1
  pam_login sshotp-hotp lou "$(hotp_code "$KEY_B" "$MAX_COUNTER" -b)"
  expect_rc 0 || return 1
  import_key "$KEY_B" lou --hotp --counter 0
  expect_rc 0 && expect_status_shows lou "counter: 0"
}

list_shows_kind_and_counter() {
  import_key "$KEY_C" max
  expect_rc 0 || return 1
  list_json 'users["hana"]["kind"] == "hotp" and users["hana"]["counter"] == 43 and
    users["hana"]["period"] is None and users["ivy"]["digits"] == 8 and
    users["max"]["kind"] == "totp" and users["max"]["counter"] is None and
    users["max"]["period"] == 30' || return 1
  enroll list </dev/null
  expect_rc 0 || return 1
  grep -Eq '^hana +active +hotp +SHA1/6/counter=43 ' "$WORK/out" &&
    grep -Eq '^ivy +active +hotp +SHA1/8/counter=2 ' "$WORK/out" &&
    grep -Eq '^max +active +totp +SHA1/6/30 ' "$WORK/out" ||
    { note "unexpected table"; show_output; return 1; }
}

# enroll --hotp through a pseudo-terminal (hotp_enroll_session.py): the confirming code, at
# counter 1, is used up, so the next login needs counter 2.
enroll_hotp_uses_the_confirming_counter() {
  "$PY" "$CLI_DIR/hotp_enroll_session.py" --enroll "$ENROLL" --config "$CONF" --user nia \
    --issuer "$ISSUER" --work "$WORK" || return 1
  expect_status_shows nia "kind: hotp" "counter: 2" || return 1
  key=$(cat "$WORK/nia.key")
  pam_login sshotp-hotp nia "$(hotp_code "$key" 1 -b)"
  expect_rc 7 || { note "the confirming code logged in"; return 1; }
  pam_login sshotp-hotp nia "$(hotp_code "$key" 2 -b)"
  expect_rc 0
}

# A user's own `recovery` takes their token's next code as a login does: with a YubiKey's
# token identifier before it (ModHex), and used up, so the same code is a replay.
own_recovery_reads_a_token_code() {
  setup_nobody_store "$HEX" --hotp --hex --counter 5 || return 1
  nobody_recovery "ubbcdefghijk$(hotp_code "$HEX" 4)"
  expect_rc 3 && expect_in err "Code from your token: " &&
    expect_in err "used already; press the token for the next one" || return 1
  nobody_recovery "ubbcdefghijk$(hotp_code "$HEX" 5)" --count 3
  expect_rc 0 && expect_only_codes 3 || return 1
  nobody_recovery "$(hotp_code "$HEX" 5)"
  expect_rc 3 && expect_in err "used already" || return 1
  # A 13-character identifier is no identifier: the input is not a code.
  nobody_recovery "uubbcdefghijk$(hotp_code "$HEX" 6)"
  expect_rc 3 && expect_in err "not a 6-digit code from your token" || return 1
  as_nobody_with "$WORK/nb/c.conf" status
  expect_rc 0 && expect_in out "counter: 6"
}

# --------------------------------------------------------------------------------------------

run_case "import --hotp --counter N: the code at N logs in, N - 1 and a replay do not" \
  base32_import_logs_in_from_its_counter
run_case "import --hotp --hex (spaces allowed, 8 digits) logs in; --hex works for TOTP too" \
  hex_import_logs_in
run_case "bad --counter, --period with --hotp, --counter alone, bad hex: exit 2, nothing stored" \
  bad_options_and_keys_store_nothing
run_case "--counter takes 0 and 2^48, and a login at 2^48 works" counter_bounds_are_inclusive
run_case "list and list --json show the kind and, for HOTP, the next counter" \
  list_shows_kind_and_counter
run_case "enroll --hotp: an otpauth://hotp URI, the confirming counter is used up" \
  enroll_hotp_uses_the_confirming_counter
sqlite_case "a user's own recovery takes a token code with its identifier, as a login does" \
  own_recovery_reads_a_token_code
finish
