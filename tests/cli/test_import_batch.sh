#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of `sshotp-enroll import --batch` and of the names `import` stores: a bad line of any kind
# writes nothing and names only its line number; a good batch is stored at once and its users
# log in through libpam and the built module (pam_login.py, codes from pyotp); a batch naming an
# enrolled user writes nothing; --algorithm/--digits/--period apply to every line; counter-based
# (HOTP) lines and hex keys log in with oathtool's codes, from their counter on; 10,000 users
# in one go (untimed: bench/import_batch.sh measures); and an alias of an account (nss_wrapper,
# tests/support/with_nss.sh) is stored under the account's canonical name. The arguments of
# import --batch, who may run it and its syslog line are in test_admin.sh. Everything lives in a
# mktemp -d directory. import is root-only: exit 77 if not root.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/admin_lib.sh
. "$CLI_DIR/admin_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll import --batch needs root"
  exit 77
fi

setup_work
pam_service sshotp-admin "$CONF" || exit 99

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
    batch_refused "ann $KEY_A\n$KEY_B\n" "expected USER [hotp:N] KEY" 2 &&
    batch_refused "ann $KEY_A\nb:n $KEY_B\n" \
      "a user name cannot contain spaces, control characters or ':'" 2 &&
    batch_refused "-ben $KEY_B\n" "a user name cannot start with '-'" 1 &&
    batch_refused "ann $KEY_A\nben $KEY_B\nann $KEY_C\n" "the same account ('ann') as line 1" 3 &&
    batch_refused "ann $KEY_A\nben $long\n" "longer than" 2 || return 1
  for input in '' '\n\n# only comments\n'; do
    with_batch "$input"
    expect_rc 2 && expect_in err "no USER KEY line" || return 1
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
  save_users_before
  # abe sorts (and is inserted) before ben: the refusal must take abe back out.
  batch_refused "abe $KEY_A\nben $KEY_C\neve $KEY_B\n" "that user is already enrolled" 2
}

batch_params_apply_to_all() {
  with_batch "fay $KEY_A\ngus $KEY_B\n" --algorithm sha256 --digits 8 --period 60
  expect_rc 0 && expect_in err "(SHA256, 8 digits, 60 seconds)" || return 1
  list_json 'all((users[u]["algorithm"], users[u]["digits"], users[u]["period"]) ==
    ("SHA256", 8, 60) for u in ("fay", "gus")) and users["ann"]["digits"] == 6'
}

# Counter-based lines: "USER hotp:N KEY" starts the user at counter N (N - 1 counts as used);
# --hotp makes the lines without the field counter-based from 0; --hex reads hex keys.
batch_hotp_lines_log_in() {
  save_users_before
  max=281474976710656 # kMaxHotpCounter, 2^48
  batch_refused "hoa hotp:x $KEY_A\n" "the counter (hotp:N) must be a whole number from 0 to $max" 1 &&
    batch_refused "hoa $KEY_A\nhob hotp:$((max + 1)) $KEY_B\n" "the counter (hotp:N)" 2 &&
    batch_refused "hoa hotp:-1 $KEY_A\n" "the counter (hotp:N)" 1 &&
    batch_refused "hoa hotp:5\n" "expected USER [hotp:N] KEY" 1 || return 1
  with_batch "hoa $KEY_A\n" --counter 3
  expect_rc 2 && expect_in err "--counter: not with --batch" || return 1
  with_batch "hoa $KEY_A\n" --hotp --period 60
  expect_rc 2 && expect_in err "--period: a counter-based (--hotp) key has no period" || return 1
  # A mixed batch: hoa counter-based from counter 5, hob time-based as before.
  with_batch "hoa hotp:5 $KEY_A\nhob $KEY_B\n"
  expect_rc 0 && expect_in err "(SHA1, 6 digits, 30 seconds; 1 of them counter-based)" &&
    expect_no_secret || return 1
  list_json 'users["hoa"]["kind"] == "hotp" and users["hoa"]["counter"] == 5 and
    users["hoa"]["period"] is None and users["hob"]["kind"] == "totp" and
    users["hob"]["counter"] is None and users["hob"]["period"] == 30' || return 1
  pam_login sshotp-admin hoa "$(hotp_code "$KEY_A" 4 -b)"
  expect_rc 7 || { note "the code before the counter logged in"; return 1; }
  pam_login sshotp-admin hoa "$(hotp_code "$KEY_A" 5 -b)"
  expect_rc 0 || return 1
  pam_login sshotp-admin hob "$(totp_code "$KEY_B")"
  expect_rc 0 || return 1
  # --hotp --hex: every line counter-based and hex; hoc from 0, hod from its own field.
  hex=3132333435363738393031323334353637383930 # RFC 4226 Appendix D
  with_batch "hoc $hex\nhod hotp:7 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 36 37 38 39 30\n" \
    --hotp --hex --digits 8
  expect_rc 0 && expect_in err "(SHA1, 8 digits, counter-based)" || return 1
  list_json 'users["hoc"]["counter"] == 0 and users["hod"]["counter"] == 7 and
    users["hoc"]["digits"] == 8' || return 1
  pam_login sshotp-admin hoc "$(hotp_code "$hex" 0 --digits=8)"
  expect_rc 0 || return 1
  pam_login sshotp-admin hod "$(hotp_code "$hex" 7 --digits=8)"
  expect_rc 0
}

ten_thousand_users_in_one_batch() {
  "$PY" -c '
import base64, os
for i in range(10000):
    print(f"bulk{i:05d} {base64.b32encode(os.urandom(20)).decode()}")' >"$WORK/in"
  enroll import --batch <"$WORK/in"
  expect_rc 0 && expect_in err "imported the keys of 10000 users" || return 1
  list_json 'sum(u.startswith("bulk") for u in users) == 10000 and len(users) == 10009' ||
    return 1
  # 6000 new users, then one who exists: refused after more than one chunk of rows went in.
  "$PY" -c '
import base64, os
for i in range(6000):
    print(f"more{i:05d} {base64.b32encode(os.urandom(20)).decode()}")
print(f"bulk09999 {base64.b32encode(os.urandom(20)).decode()}")' >"$WORK/in"
  enroll import --batch <"$WORK/in"
  expect_rc 2 && expect_in err "line 6001: that user is already enrolled" || return 1
  list_json 'len(users) == 10009'
}

# --------------------------------------------------------------------------------------------

run_case "a batch with a bad line exits 2 naming only the line; nothing is written" \
  bad_batches_write_nothing
run_case "a good batch is stored at once, and its users log in (pyotp codes, libpam)" \
  good_batch_logs_in
run_case "a batch naming an enrolled user exits 2 and writes nothing" \
  batch_with_enrolled_user_writes_nothing
run_case "import --batch --algorithm/--digits/--period apply to every line" \
  batch_params_apply_to_all
run_case "HOTP lines (hotp:N, --hotp, --hex) are stored counter-based and log in (oathtool)" \
  batch_hotp_lines_log_in
run_case "10000 users in one batch" ten_thousand_users_in_one_batch
run_case "import --batch stores canonical names; two spellings of one account are refused" \
  batch_names_are_canonical
run_case "import ALICE (an alias of alice's uid) enrolls alice, and ALICE logs in" \
  alias_operand_enrolls_the_canonical_name
finish
