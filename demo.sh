#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pam_sshotp demo: on a Debian 12 machine, as root, installs the build dependencies, builds the
# module and sshotp-enroll, starts a throwaway sshd on 127.0.0.1 that asks for a public key and
# then a TOTP code, enrolls a throwaway user with the real `sshotp-enroll enroll` (QR code and
# key URI, as an authenticator app gets them) and logs in for real with OpenSSH.
#
# Without --interactive everything runs unattended (no stdin needed): oathtool plays the
# authenticator app. With --interactive you scan the QR code with your phone and type the codes.
# The machine is left as found: the user, the sshd, its /etc/pam.d file and, when the demo
# created it, the default store are all removed again on exit (packages stay installed).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./demo.sh [--interactive] [--no-install] [--build-dir DIR]

  --interactive   scan the QR code with your authenticator app and type the codes yourself
  --no-install    skip ./deps.sh (the Debian packages it installs are already there)
  --build-dir DIR build in DIR (default: _build in the source tree)

Run as root on Debian 12. Exits 0 when the demo login succeeded.
EOF
}

interactive=no
install_deps=yes
srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir="$srcdir/_build"
while (($#)); do
  case $1 in
    --interactive) interactive=yes ;;
    --no-install) install_deps=no ;;
    --build-dir)
      (($# >= 2)) || { usage >&2; exit 2; }
      builddir=$2
      shift
      ;;
    --build-dir=*) builddir=${1#--build-dir=} ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

step() { printf '\n==> %s\n' "$*"; }

if [[ $(id -u) != 0 ]]; then
  echo "demo.sh must run as root (it starts sshd with PAM and creates a throwaway user)." >&2
  exit 1
fi
if [[ $interactive == yes && ! -t 0 ]]; then
  echo "--interactive needs a terminal to type the codes on." >&2
  exit 2
fi

# --- dependencies and build -----------------------------------------------------------------
if [[ $install_deps == yes ]]; then
  step "Installing the build dependencies (deps.sh: Debian packages via apt-get)"
  "$srcdir/deps.sh" </dev/null
fi

step "Building pam_sshotp in $builddir"
[[ -x $srcdir/configure ]] || (cd "$srcdir" && ./autogen.sh)
mkdir -p "$builddir"
builddir=$(cd "$builddir" && pwd)  # PAM wants the module by absolute path
if ! (
  cd "$builddir"
  [[ -f Makefile ]] || "$srcdir/configure" -q
  make -s -j"$(nproc)" pam_module/pam_sshotp.la enroll/sshotp-enroll
); then
  echo "demo.sh: the build failed (see above)" >&2
  exit 1
fi
module="$builddir/pam_module/.libs/pam_sshotp.so"
enroll="$builddir/enroll/sshotp-enroll"

# --- the throwaway server -------------------------------------------------------------------
SSHOTP_SRCDIR=$srcdir
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
# shellcheck source=harness/harness_lib.sh
. "$srcdir/harness/harness_lib.sh"
e2e_require_tools ssh ssh-keygen oathtool useradd userdel setsid timeout
e2e_init sshotp-demo
tag="demo-$$"
user="sshotp-$tag"
service="sshd-sshotp-$tag"
user_key="$E2E_TMP/user_key"

# The default store is what a real installation uses. It is only borrowed when none of its
# files exist, so an existing installation's store is never read, changed or deleted.
default_files=(/etc/security/sshotp.conf /etc/security/sshotp.key /var/lib/sshotp)
existing=()
for file in "${default_files[@]}"; do
  [[ -e $file ]] && existing+=("$file")
done
if ((${#existing[@]} == 0)); then
  step "Store: the default SQLite store"
  echo "    /var/lib/sshotp/sshotp.db and key /etc/security/sshotp.key, created by sshotp-enroll;"
  echo "    settings /etc/security/sshotp.conf, the shipped file (as the package or make install"
  echo "    puts it there). All three are deleted when the demo ends."
  e2e_on_exit rm -rf /etc/security/sshotp.conf /etc/security/sshotp.key /var/lib/sshotp
  install -m 0644 "$srcdir/enroll/sshotp.conf" /etc/security/sshotp.conf ||
    e2e_die "cannot install /etc/security/sshotp.conf"
  enroll_cmd=("$enroll")
  auth_line="auth  required  $module"
else
  conf="$E2E_TMP/sshotp.conf"
  e2e_write_module_config "$conf" "$E2E_TMP/store/sshotp.db" "$E2E_TMP/sshotp.key"
  step "Store: a temporary one in $E2E_TMP"
  echo "    This machine already has ${existing[*]}: the demo leaves the default store alone."
  enroll_cmd=("$enroll" --config "$conf")
  auth_line="auth  required  $module config=$conf"
fi

step "Creating the demo user $user and an SSH key for it"
e2e_capture_syslog
# sshotp-enroll logs to the same stand-in syslog as sshd (as both go to auth.log on a server).
enroll_cmd=("${E2E_PRIVATE[@]}" "${enroll_cmd[@]}")
e2e_create_user "$user"
e2e_new_key "$user_key"
e2e_authorize_key "$user" "$user_key.pub"

step "Starting sshd on 127.0.0.1 with pam_sshotp"
e2e_install_pam_service "$service" "$auth_line"
e2e_write_askpass
e2e_start_sshd "$service" "$user"
echo "    port $E2E_PORT; AuthenticationMethods publickey,keyboard-interactive:pam"
echo "    (examples/sshd_config.d/20-sshotp.conf); PAM service /etc/pam.d/$service:"
echo "    $auth_line"

# --- enrollment -----------------------------------------------------------------------------

# The unattended enrollment: the real interactive command, with oathtool as the phone
# (e2e_enroll_with_oathtool, harness/accounts_lib.sh): the key URI it shows is exactly what the
# QR code encodes, and the app's current code is typed back.
enroll_with_oathtool() {
  e2e_enroll_with_oathtool "$E2E_TMP/app_secret" '    | ' "${enroll_cmd[@]}" enroll --qr=utf8 \
    "$user"
}

step "Enrolling $user: sshotp-enroll enroll $user"
if [[ $interactive == yes ]]; then
  echo "    Scan the QR code with your authenticator app, then type the code it shows."
  "${enroll_cmd[@]}" enroll "$user" || e2e_die "enrollment failed"
else
  enroll_with_oathtool || e2e_die "enrollment failed"
fi

# --- logging in -----------------------------------------------------------------------------

# login_with_code CODE: runs `id` over ssh with CODE typed at the prompt (by the askpass helper)
# and shows what ssh asked and printed; returns ssh's exit status.
login_with_code() {
  local rc=0
  printf '%s\n' "$1" | e2e_set_answers
  e2e_ssh_askpass "$user" -i "$user_key" -- id >"$E2E_TMP/out" 2>&1 || rc=$?
  e2e_prompts | sed "s/^/    ssh asked: /; s/\$/$1/"
  sed 's/^/    | /' "$E2E_TMP/out"
  return "$rc"
}

ssh_shown="ssh -i <key> -p $E2E_PORT $user@127.0.0.1"
if [[ $interactive == yes ]]; then
  step "Logging in: $ssh_shown id"
  echo "    The code you confirmed with is used up: wait for your app to show a new one, then"
  echo "    type it at the prompt."
  e2e_ssh_terminal "$user" -i "$user_key" -o NumberOfPasswordPrompts=3 -- id ||
    e2e_die "the login failed"
else
  step "Logging in with the code that confirmed the enrollment: refused, it is used up"
  ! login_with_code "$E2E_ENROLL_CODE" || e2e_die "the spent enrollment code was accepted"

  echo "    Waiting for the app to show a new code..."
  e2e_wait_for_step_after "$E2E_ENROLL_STEP"
  e2e_wait_for_step_margin 5
  code=$(e2e_totp "$E2E_TMP/app_secret")
  step "Logging in: $ssh_shown id   (the app shows $code)"
  if ! login_with_code "$code"; then
    e2e_dump_sshd_log
    e2e_die "the login failed"
  fi

  step "Replaying the same code: refused"
  ! login_with_code "$code" || e2e_die "a replayed code was accepted"
fi

if [[ -n $E2E_SYSLOG ]]; then
  step "What pam_sshotp and sshotp-enroll logged (syslog)"
  grep -F " user=$user " "$E2E_SYSLOG" | sed 's/^<[0-9]*>/    /' || true
fi

step "Demo login succeeded. Cleaning up (user, sshd, /etc/pam.d/$service, demo store)."
exit 0
