#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/compare_builds.sh BASELINE_MODULE [CALLS]: this build's pam_sshotp.so against another
# build's (BASELINE_MODULE, e.g. one built from an earlier commit) on a SQLite host, in one run:
# the same config, key and store, fresh processes (bench/pam-once, as each sshd connection), the
# two modules alternating call by call, each call a successful login with the code of a new step.
# Prints a Markdown table: median and p90 of pam_start alone (where libpam loads the module and
# what it links) and of the whole PAM call (pam_start → pam_authenticate → pam_end);
# instructions of both under callgrind; fsyncs per call; the libraries each loads, and whether
# any of them is libpq or what libpq pulls in (LDAP, GSSAPI, Kerberos, SASL).
#
#   make bench-compare BASELINE=/path/to/other/pam_module/.libs/pam_sshotp.so [CALLS=60]
#
# The store's format must be one both builds read (sshotp-enroll of this build fills it). Needs
# root (a private /dev/log, bench/with-syslog.sh), valgrind, strace and oathtool. Exit status: 0;
# 1 if a login failed; 2 on a setup error.
set -euo pipefail

die() {
  printf 'bench/compare_builds.sh: %s\n' "$*" >&2
  exit 2
}
baseline=${1:?usage: compare_builds.sh BASELINE_MODULE [CALLS]}
calls=${2:-60}
: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
for var in BENCH_PAM_ONCE PAM_SSHOTP_MODULE SSHOTP_ENROLL; do
  [[ -n ${!var:-} && -e ${!var} ]] || die "$var is not set or missing: run 'make bench-compare'"
done
[[ -e $baseline ]] || die "no module $baseline"
for tool in valgrind strace oathtool; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root (a private /dev/log)"; exit 77; }

# Inside the private mount namespace with a syslog listener (every login logs a line).
if [[ -z ${BENCH_COMPARE_INSIDE:-} ]]; then
  BENCH_COMPARE_INSIDE=1 exec bash "$SSHOTP_SRCDIR/bench/with-syslog.sh" "$0" "$@"
fi

work=$(mktemp -d /var/tmp/sshotp-compare.XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT
mkdir -m 0700 "$work/store"
printf '%s\n' "db = $work/store/sshotp.db" "key_file = $work/sshotp.key" "window = 1" \
  "max_failures = 100" >"$work/sshotp.conf"
# A throwaway secret for an account every system has; it reaches the module through stdin only.
secret=$(head -c 20 /dev/urandom | base32)
echo "$secret" | "$SSHOTP_ENROLL" --config "$work/sshotp.conf" import nobody >/dev/null \
  2>"$work/import.err" || { cat "$work/import.err" >&2; die "sshotp-enroll import failed"; }
declare -A module=([baseline]=$baseline [this]=$PAM_SSHOTP_MODULE)
for build in baseline this; do
  mkdir "$work/pam-$build"
  echo "auth required ${module[$build]} config=$work/sshotp.conf" >"$work/pam-$build/bench"
done

# login BUILD [WRAPPER...]: one successful login in a fresh process at $now, a clock of our own
# (pam-once's time()) that the caller moves on by a 30 s step before each login, in this shell
# (login runs in subshells); prints pam-once's "rc ns start_ns".
now=$(($(date +%s) / 30 * 30))
login() {
  local build=$1
  shift
  oathtool --totp -N "@$now" -b "$secret" |
    "$@" "$BENCH_PAM_ONCE" "$work/pam-$build" bench nobody "$now"
}

status=0
order=(baseline this)
for ((i = 0; i < calls; i++)); do
  order=("${order[1]}" "${order[0]}")
  for build in "${order[@]}"; do
    now=$((now + 30))
    read -r rc ns start_ns < <(login "$build")
    [[ $rc == 0 ]] || { echo "login through the $build module returned $rc" >&2; status=1; }
    echo "$build $ns $start_ns" >>"$work/times"
  done
done

# stat BUILD COLUMN: "median / p90" in ms of COLUMN (2 whole call, 3 pam_start).
stat() {
  awk -v b="$1" -v c="$2" '$1 == b { print $c }' "$work/times" | sort -n |
    awk '{ v[NR] = $1 } END { printf "%.2f / %.2f", v[int((NR + 1) / 2)] / 1e6, v[int(NR * 0.9)] / 1e6 }'
}
# counted BUILD TOGGLE: instructions callgrind counts inside TOGGLE during one login.
counted() {
  login "$1" valgrind --tool=callgrind --callgrind-out-file="$work/cg" --toggle-collect="$2" \
    >/dev/null 2>&1 || die "callgrind failed"
  awk '/^totals:/ { print $2 }' "$work/cg"
}
syncs() {
  login "$1" strace -f -qq -c -e trace=fsync,fdatasync -o "$work/strace" >/dev/null ||
    die "strace failed"
  awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' "$work/strace"
}
libraries() {
  login "$1" env LD_DEBUG=files 2>"$work/ld" >/dev/null || die "LD_DEBUG=files failed"
  grep -o 'file=[^ ]*' "$work/ld" | sed 's/^file=//; s|.*/||' | sort -u | paste -sd ' '
}
libpq_family='libpq|libldap|libgssapi|libkrb5|libsasl|store_postgresql'

declare -A start_ir call_ir fsyncs libs foreign
for build in baseline this; do
  now=$((now + 30)) && start_ir[$build]=$(counted "$build" pam_start_confdir)
  now=$((now + 30)) && call_ir[$build]=$(counted "$build" '*timed_pam_call*')
  now=$((now + 30)) && fsyncs[$build]=$(syncs "$build")
  now=$((now + 30)) && libs[$build]=$(libraries "$build")
  foreign[$build]=$(tr ' ' '\n' <<<"${libs[$build]}" | grep -c -E "$libpq_family" || true)
done
echo "| | baseline ($baseline) | this build ($PAM_SSHOTP_MODULE) |"
echo "|---|---|---|"
echo "| pam_start, ms (median / p90 of $calls) | $(stat baseline 3) | $(stat this 3) |"
echo "| whole PAM call, ms (median / p90 of $calls) | $(stat baseline 2) | $(stat this 2) |"
echo "| instructions in pam_start | ${start_ir[baseline]} | ${start_ir[this]} |"
echo "| instructions in the whole call | ${call_ir[baseline]} | ${call_ir[this]} |"
echo "| fsync/fdatasync per login | ${fsyncs[baseline]} | ${fsyncs[this]} |"
echo "| libraries loaded | ${libs[baseline]} | ${libs[this]} |"
echo "| of them libpq, LDAP, GSSAPI, Kerberos, SASL, the plugin | ${foreign[baseline]} |" \
  "${foreign[this]} |"
exit "$status"
