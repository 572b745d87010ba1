#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of the QR code image files of `sshotp-enroll enroll --qr-png FILE --qr-svg FILE`, driven
# through a pseudo-terminal by qr_image_session.py (pexpect; zbarimg, qrencode and rsvg-convert
# as oracles): 0600 files that decode to the otpauth URI, kept once the code is confirmed and
# removed again on EOF at the prompt; an existing file is never overwritten, nor a symbolic link
# followed. The arguments of --qr-png/--qr-svg are in test_admin.sh. Everything lives in a
# mktemp -d directory. Enrolling a named user is root-only: exit 77 if not root.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll enroll USER needs root"
  exit 77
fi

setup_work

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

run_case "enroll --qr-png/--qr-svg: 0600 files that decode to the URI; kept once saved" \
  qr_session confirm kim
run_case "enroll --qr-png/--qr-svg: EOF at the prompt removes the files again" \
  qr_session abort lee
# Needs kim's files from the first case.
run_case "enroll never overwrites an image file, nor follows a symbolic link" \
  qr_files_are_never_overwritten
finish
