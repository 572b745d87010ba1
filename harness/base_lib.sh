# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The base of the throwaway-sshd harness (harness/harness_lib.sh sources it first): the 0700
# temp dir E2E_TMP, one list of cleanups run in reverse on every exit path (normal exit, error,
# HUP, INT, TERM), stopping background children, and the harness's errors, which exit 99.

# --- cleanup registry -----------------------------------------------------------------------

E2E_CLEANUPS=()

# e2e_on_exit CMD [ARGS...]: runs CMD at exit, in reverse order of registration. Every cleanup
# is registered *before* the thing it undoes is created (a signal can arrive between any two
# commands), so each one must cope with its object not existing.
e2e_on_exit() {
  E2E_CLEANUPS+=("$(printf '%q ' "$@")")
}

e2e_run_cleanups() {
  local status=$? i
  set +e
  trap '' INT TERM HUP
  for ((i = ${#E2E_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${E2E_CLEANUPS[i]}"
  done
  E2E_CLEANUPS=()
  return "$status"
}

e2e_warn() { printf '%s\n' "$*" >&2; }

# Harness failures (not test-case failures) exit 99: automake's "hard error".
e2e_die() {
  e2e_warn "error: $*"
  exit 99
}

# e2e_init PREFIX: creates the 0700 temp dir E2E_TMP and installs the exit traps.
e2e_init() {
  umask 077
  trap e2e_run_cleanups EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
  E2E_TMP=""
  e2e_on_exit e2e_remove_tmp
  E2E_TMP=$(mktemp -d "/tmp/$1.XXXXXXXX") || e2e_die "mktemp failed"
  chmod 0700 "$E2E_TMP"
}

# e2e_stop_child PID_VARIABLE: stops the background process whose pid the named variable holds
# (if any) and clears the variable, so a second call is harmless.
e2e_stop_child() {
  local -n child_pid=$1
  if [[ -n $child_pid ]]; then
    kill "$child_pid" 2>/dev/null
    wait "$child_pid" 2>/dev/null
  fi
  child_pid=""
}

e2e_remove_tmp() {
  [[ -n $E2E_TMP ]] && rm -rf "$E2E_TMP"
  return 0
}

# e2e_require_tools TOOL...: the harness's hard preconditions (a missing one is an error, not a
# skip: CI installs all of them).
e2e_require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || e2e_die "required tool not found: $tool"
  done
}
