# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Throwaway login accounts (part of the throwaway-sshd harness, harness/harness_lib.sh): a Unix
# user deleted at exit, its SSH key in its own ~/.ssh/authorized_keys, and its enrollment in a
# pam_sshotp store through sshotp-enroll: imported with a TOTP secret from totp_lib.sh, or
# enrolled interactively with oathtool as the authenticator app.

# e2e_create_user NAME: a throwaway account with a home directory, deleted (with it) at exit.
# A system account, so no subordinate uid/gid ranges are allocated for it.
e2e_create_user() {
  local user=$1
  getent passwd "$user" >/dev/null && e2e_die "user $user already exists"
  e2e_on_exit e2e_delete_user "$user"
  useradd --system --create-home --user-group --shell /bin/sh "$user" ||
    e2e_die "useradd $user failed"
}

e2e_delete_user() {
  local user=$1 tries
  getent passwd "$user" >/dev/null || return 0
  # A session that just ended may still be exiting; userdel refuses while it runs.
  for ((tries = 0; tries < 5; tries++)); do
    userdel --remove "$user" 2>/dev/null && return 0
    getent passwd "$user" >/dev/null || return 0
    sleep 1
  done
  userdel --force --remove "$user" 2>/dev/null
  getent passwd "$user" >/dev/null && e2e_warn "warning: could not delete user $user"
  return 0
}

# e2e_new_key PATH: an ed25519 key pair without passphrase (PATH and PATH.pub).
e2e_new_key() {
  ssh-keygen -q -t ed25519 -N '' -C "pam_sshotp-e2e" -f "$1" || e2e_die "ssh-keygen $1 failed"
}

# e2e_authorize_key USER PUBKEY_FILE: the user's own ~/.ssh/authorized_keys, as on a real server.
# (sshd reads it with the user's uid, so it cannot live in the root-only temp dir.)
e2e_authorize_key() {
  local user=$1 pubkey=$2 home group
  home=$(getent passwd "$user" | cut -d: -f6)
  group=$(id -gn "$user")
  if ! install -d -m 0700 -o "$user" -g "$group" "$home/.ssh" ||
    ! install -m 0600 -o "$user" -g "$group" "$pubkey" "$home/.ssh/authorized_keys"; then
    e2e_die "cannot install authorized_keys for $user"
  fi
}

# e2e_write_module_config FILE DB KEY_FILE [SETTING...]: a pam_sshotp/sshotp-enroll config file;
# each SETTING is one more "key = value" line. An empty DB writes no db line (a PostgreSQL
# store's settings come as SETTINGs).
e2e_write_module_config() {
  local file=$1 db=$2 key_file=$3
  shift 3
  {
    cat <<EOF
# pam_sshotp settings for one throwaway sshd (harness/accounts_lib.sh).
${db:+db = $db
}key_file = $key_file
# The default window: one 30 s step either side of now.
window = 1
EOF
    if (($#)); then printf '%s\n' "$@"; fi
  } >"$file"
  chmod 0644 "$file"
}

# e2e_enroll_cli ARGS...: sshotp-enroll --config E2E_CONF ARGS..., with its syslog lines captured
# beside sshd's when the harness captures syslog (as on a real server, where both go to
# auth.log).
e2e_enroll_cli() {
  "${E2E_PRIVATE[@]}" "$SSHOTP_ENROLL" --config "$E2E_CONF" "$@"
}

# e2e_import USER SECRET_FILE: enrolls USER with the secret from SECRET_FILE (on stdin) in the
# store of E2E_CONF, and keeps what the command printed (its recovery codes on stdout) in the
# 0600 file E2E_TMP/import-USER.out.
e2e_import() {
  local out="$E2E_TMP/import-$1.out"
  e2e_enroll_cli import "$1" <"$2" >"$out" 2>"$out.err" ||
    { cat "$out.err" >&2; e2e_die "sshotp-enroll import $1 failed"; }
}

# e2e_setup_enrolled_user USER: a throwaway USER with an authorized key ($E2E_TMP/USER.key) and a
# fresh TOTP secret ($E2E_TMP/USER.secret) imported into the store of E2E_CONF.
e2e_setup_enrolled_user() {
  e2e_setup_unenrolled_user "$1"
  e2e_new_secret "$E2E_TMP/$1.secret"
  e2e_import "$1" "$E2E_TMP/$1.secret"
}

# e2e_setup_unenrolled_user USER: a throwaway USER with an authorized key ($E2E_TMP/USER.key).
e2e_setup_unenrolled_user() {
  e2e_create_user "$1"
  e2e_new_key "$E2E_TMP/$1.key"
  e2e_authorize_key "$1" "$E2E_TMP/$1.key.pub"
}

# e2e_enroll_with_oathtool SECRET_FILE PREFIX COMMAND...: runs an interactive enrollment
# (COMMAND..., an `sshotp-enroll ... enroll` command line) with oathtool as the phone. It has no
# terminal here (setsid), so it talks on its stdin/stdout: every line it prints is shown after
# PREFIX, the secret of the key URI it shows (exactly what the QR code encodes) goes to
# SECRET_FILE, and the app's current code is typed back, once. Sets E2E_ENROLL_CODE to that code
# and E2E_ENROLL_STEP to its time step, which the enrollment used up; returns COMMAND's status.
e2e_enroll_with_oathtool() {
  local secret_file=$1 prefix=$2 line code="" status=0 from pid
  local secret_in_uri='[?&]secret=([A-Z2-7]+)'
  shift 2
  coproc E2E_ENROLL { setsid --wait "$@" 2>&1; }
  # bash forgets E2E_ENROLL once the command exits, so keep copies of what we read after that.
  pid=$E2E_ENROLL_PID
  exec {from}<&"${E2E_ENROLL[0]}"
  while IFS= read -r -u "$from" line; do
    printf '%s%s\n' "$prefix" "$line"
    [[ -n $code || $line != "Key URI: otpauth://"* ]] && continue
    # The "app" stores the secret from the URI; bash builtins only, so it never reaches argv.
    [[ $line =~ $secret_in_uri ]] || break
    printf '%s\n' "${BASH_REMATCH[1]}" >"$secret_file"
    e2e_wait_for_step_margin 5
    # shellcheck disable=SC2034 # for the caller
    E2E_ENROLL_STEP=$(e2e_step)
    code=$(e2e_totp "$secret_file")
    printf '%s\n' "$code" >&"${E2E_ENROLL[1]}"
    # One answer only: if it were refused, the next prompt reads end of input and gives up.
    eval "exec ${E2E_ENROLL[1]}>&-"
    printf '%s[the app shows %s; typed at the prompt]\n' "$prefix" "$code"
  done
  exec {from}<&-
  wait "$pid" || status=$?
  [[ -n $code ]] || { e2e_warn "no key URI in the enrollment output"; return 1; }
  # shellcheck disable=SC2034 # for the caller
  E2E_ENROLL_CODE=$code
  return "$status"
}
