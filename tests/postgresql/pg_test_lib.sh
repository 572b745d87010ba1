# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# What the PostgreSQL tests share: the skip when not root (the only skip), a throwaway server
# (harness/postgres_lib.sh), one PASS/FAIL line per case and the closing "N passed, M failed".

# pg_test_preamble PREFIX: skips unless root, then starts the server (stopped at exit).
pg_test_preamble() {
  if [[ $(id -u) != 0 ]]; then
    echo "SKIP: the PostgreSQL harness runs the server as nobody, which needs root"
    exit 77
  fi
  # shellcheck source=harness/postgres_lib.sh
  . "${SSHOTP_SRCDIR:?}/harness/postgres_lib.sh"
  e2e_init "$1"
  pg_start_server
  echo "PostgreSQL on 127.0.0.1:$PG_PORT (socket $PG_SOCKET_DIR)"
}

PG_TEST_PASSED=0
PG_TEST_FAILED=0

# verdict NAME STATUS: one PASS/FAIL line for a case whose checks ended with STATUS.
verdict() {
  if [[ $2 == 0 ]]; then
    echo "PASS: $1"
    PG_TEST_PASSED=$((PG_TEST_PASSED + 1))
  else
    echo "FAIL: $1"
    PG_TEST_FAILED=$((PG_TEST_FAILED + 1))
  fi
}

# pg_test_finish: the closing count; exits 1 if a case failed.
pg_test_finish() {
  echo "$PG_TEST_PASSED passed, $PG_TEST_FAILED failed"
  [[ $PG_TEST_FAILED == 0 ]]
  exit
}

# pg_run_program PROGRAM: runs a C++ test against the server (tests/postgresql/pg_test_support.h
# reads these), with the schema applied; its own cmocka summary is the test's output.
pg_run_program() {
  SSHOTP_TEST_PG_CONNINFO=$PG_HOST_CONNINFO SSHOTP_TEST_PG_SUPER=$(pg_super_conninfo) "$@"
}

# pg_store_settings: the sshotp.conf lines of a store on the harness's server, as the host role,
# through the plugin as built (SSHOTP_PG_PLUGIN).
pg_store_settings() {
  printf 'store = postgresql\npg_conninfo = "%s"\npg_timeout_ms = 30000\npg_plugin = %s\n' \
    "$PG_HOST_CONNINFO" "${SSHOTP_PG_PLUGIN:?}"
}
