# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The checks of the shipped fail2ban filter and jail (examples/fail2ban/) against what a real-sshd
# test logged, for tests/e2e/test_sshd_*.sh (tests/e2e/e2e_lib.sh sources this file): the lines
# the harness captured, rewritten as /var/log/auth.log has them, read by fail2ban's own tools.

# e2e_syslog_as_auth_log < CAPTURED > AUTH_LOG: the captured lines as rsyslog writes them to
# /var/log/auth.log (no <PRI>, the host name after the time stamp), for log readers like
# fail2ban.
e2e_syslog_as_auth_log() {
  local host
  host=$(uname -n)
  sed -E "s/^<[0-9]+>([A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8}) /\\1 $host /"
}

# e2e_fail2ban_config: E2E_FAIL2BAN, a copy of the machine's /etc/fail2ban with only the
# shipped pam-sshotp filter and jail installed into it as the README says, so the examples are
# read exactly as an installation reads them (common.conf, paths-*.conf, jail.conf defaults).
e2e_fail2ban_config() {
  E2E_FAIL2BAN="$E2E_TMP/fail2ban"
  [[ -d $E2E_FAIL2BAN ]] && return 0
  e2e_require_tools fail2ban-regex fail2ban-client
  [[ -r /etc/fail2ban/jail.conf ]] || e2e_die "fail2ban's /etc/fail2ban/jail.conf is missing"
  cp -R /etc/fail2ban "$E2E_FAIL2BAN" || e2e_die "cannot copy /etc/fail2ban"
  # The distribution's jails (Debian enables sshd) and local settings are not under test.
  rm -f "$E2E_FAIL2BAN"/jail.d/* "$E2E_FAIL2BAN"/jail.local "$E2E_FAIL2BAN"/fail2ban.local
  if ! cp "$SSHOTP_SRCDIR/examples/fail2ban/filter.d/pam-sshotp.conf" "$E2E_FAIL2BAN/filter.d/" ||
    ! cp "$SSHOTP_SRCDIR/examples/fail2ban/jail.d/pam-sshotp.conf" "$E2E_FAIL2BAN/jail.d/"; then
    e2e_die "cannot install the example fail2ban files"
  fi
}

# e2e_fail2ban_matches_denials: the shipped fail2ban filter, run by fail2ban-regex over this
# script's real captured lines (sshd's and the module's) in /var/log/auth.log format, matches
# exactly the refused answers, each with host 127.0.0.1, and nothing else: every decision=deny
# line except the server's own failures (store-error) and a conversation that broke off
# (conv-error), which are not guesses.
e2e_fail2ban_matches_denials() {
  local log="$E2E_TMP/auth.log" out="$E2E_TMP/fail2ban-regex.out" expected
  e2e_fail2ban_config
  e2e_syslog_as_auth_log <"$E2E_SYSLOG" >"$log"
  expected=$(grep -F ' decision=deny ' "$log" | grep -vE ' reason=(store-error|conv-error) ' |
    sed 's/^/127.0.0.1 /')
  if [[ -z $expected ]]; then
    echo "  $E2E_CASE: no refusal was logged, nothing to check the filter against"
    return 1
  fi
  # -o prints one "HOST LINE" per match, and nothing else.
  if ! fail2ban-regex -c "$E2E_FAIL2BAN" -o '<ip> <msg>' "$log" pam-sshotp >"$out" 2>&1; then
    echo "  $E2E_CASE: fail2ban-regex failed:"
    head -n 20 "$out" | sed 's/^/    /'
    return 1
  fi
  [[ $(cat "$out") == "$expected" ]] && return 0
  echo "  $E2E_CASE: expected fail2ban-regex to find $(wc -l <<<"$expected") line(s):"
  printf '%s\n' "$expected" | sed 's/^/    /'
  echo "  it found:"
  sed 's/^/    /' "$out"
  return 1
}

# e2e_fail2ban_jail_loads: `fail2ban-client -t` accepts the shipped jail with the shipped filter,
# and the jail is enabled with that filter's failregex.
e2e_fail2ban_jail_loads() {
  local out="$E2E_TMP/fail2ban-client.out"
  e2e_fail2ban_config
  if ! fail2ban-client -c "$E2E_FAIL2BAN" -t >"$out" 2>&1; then
    echo "  $E2E_CASE: fail2ban-client -t refused the example jail:"
    head -n 20 "$out" | sed 's/^/    /'
    return 1
  fi
  fail2ban-client -c "$E2E_FAIL2BAN" -d >"$out" 2>&1 || true
  grep -qF "['start', 'pam-sshotp']" "$out" &&
    grep -qF "['set', 'pam-sshotp', 'addfailregex', " "$out" && return 0
  echo "  $E2E_CASE: the dumped configuration has no started pam-sshotp jail with a failregex"
  return 1
}
