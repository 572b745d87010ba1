# SPDX-License-Identifier: BSD-3-Clause
# Helpers of tests/cli/test_migrate.sh and test_resync.sh: real google-authenticator state files
# made by the google-authenticator tool itself, TOTP and HOTP codes from oathtool (an independent
# implementation; the key always travels on stdin), the old PAM modules themselves (logins before
# a migration), and a private mount namespace whose /etc/passwd knows one extra user, for the
# default ~USER/.google_authenticator path. Sourced after cli_lib.sh.
# shellcheck shell=sh disable=SC2154  # $WORK, $rc come from cli_lib.sh

# make_ga_file PATH ARGS...: a state file written by `google-authenticator`, non-interactively
# (-f: no question about writing, -C: no code to confirm, -q -Q NONE: no key or QR printed).
# Callers pass -t or -c, -d or -D, -r/-R or -u, and -w or -W: it asks about any left out.
make_ga_file() {
  path=$1
  shift
  rm -f "$path"
  google-authenticator -f -C -q -Q NONE -s "$path" "$@" </dev/null >/dev/null 2>"$WORK/ga.err" ||
    { note "google-authenticator failed: $(cat "$WORK/ga.err")"; return 1; }
}

# ga_code FILE [STEP]: the current code of the key on FILE's first line, by oathtool.
ga_code() {
  head -n 1 "$1" | oathtool --totp -b --time-step-size="${2:-30}s" -
}

# hex_code HEXKEY [DIGITS [STEP]]: the current code of a pam_oath key, by oathtool.
hex_code() {
  printf '%s\n' "$1" | oathtool --totp --digits="${2:-6}" --time-step-size="${3:-30}s" -
}

# hotp_hex HEXKEY COUNTER [DIGITS]: a token's code at COUNTER, by oathtool (key on stdin).
hotp_hex() {
  printf '%s\n' "$1" | oathtool --hotp --counter="$2" --digits="${3:-6}" -
}

# hotp_ga FILE COUNTER: the code at COUNTER of the key on a google-authenticator file's first line.
hotp_ga() {
  head -n 1 "$1" | oathtool --hotp -b --counter="$2" -
}

# anchor_module NAME: the path of the installed PAM module NAME.so (pam_oath, from libpam-oath;
# pam_google_authenticator), which the migration tests log in with before migrating, so that the
# files hold what the old modules really write. Fails if it is not installed.
anchor_module() {
  for dir in "/lib/$(uname -m)-linux-gnu/security" "/usr/lib/$(uname -m)-linux-gnu/security" \
    /lib64/security /usr/lib64/security /lib/security /usr/lib/security; do
    [ -f "$dir/$1.so" ] && { printf '%s\n' "$dir/$1.so"; return 0; }
  done
  note "$1.so is not installed (run deps.sh)"
  return 1
}

# anchor_service NAME MODULE ARGS...: a PAM service file in $WORK/pam.d that asks the installed
# MODULE (anchor_module) only, with ARGS.
anchor_service() {
  anchor_name=$1
  anchor_path=$(anchor_module "$2") || return 1
  shift 2
  printf 'auth required %s %s\n' "$anchor_path" "$*" >"$WORK/pam.d/$anchor_name"
}

# scratch_code FILE N: the Nth scratch code (8-digit line) of a google-authenticator file.
scratch_code() {
  grep -Ex '[0-9]{8}' "$1" | sed -n "${2}p"
}

# random_hex BYTES: a fresh key, as pam_oath users files spell keys.
random_hex() {
  od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# migrate_ga USER [FILE] [--replace]: `migrate google-authenticator`, output in $WORK/out/err.
migrate_ga() {
  enroll migrate google-authenticator "$@" </dev/null
}

migrate_oath() {
  enroll migrate oath "$@" </dev/null
}

# expect_secret_not_shown FILE: neither the key on FILE's first line nor any of its scratch
# codes appear in the captured stdout or stderr.
expect_secret_not_shown() {
  head -n 1 "$1" >"$WORK/shown-secrets"
  grep -Ex '[0-9]{8}' "$1" >>"$WORK/shown-secrets"
  if grep -qFf "$WORK/shown-secrets" "$WORK/out" "$WORK/err"; then
    note "the key or a scratch code of $1 was shown"
    return 1
  fi
}

# status_snapshot USER FILE: `status USER`'s output, for comparing before and after.
status_snapshot() {
  enroll status "$1" </dev/null
  cp "$WORK/out" "$2"
}

# with_passwd_user NAME UID HOME COMMAND [ARGS...]: runs COMMAND in a private mount namespace
# where /etc/passwd has one more entry, NAME with UID and HOME. Nothing outside changes.
with_passwd_user() {
  cp /etc/passwd "$WORK/passwd" &&
    printf '%s:x:%s:%s::%s:/bin/sh\n' "$1" "$2" "$2" "$3" >>"$WORK/passwd" || return 99
  shift 3
  # shellcheck disable=SC2016  # the inner shell expands these
  unshare --mount --propagation private /bin/sh -ec '
    mount --bind "$1" /etc/passwd
    shift
    exec "$@"' fake-passwd "$WORK/passwd" "$@"
}

passwd_namespace_available() {
  with_passwd_user sshotp-probe 4240 /nonexistent /bin/true 2>"$WORK/namespace.err"
}
