#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of `sshotp-enroll sshd-config` printing and writing the sshd drop-in that asks for a key
# and then a code: the rendered drop-ins are byte for byte the shipped examples (which are
# thereby the golden files), --output replaces a file atomically with mode 0644, bad arguments
# exit 2, and every example drop-in passes sshd -t. --install is in test_sshd_config_install.sh
# and test_sshd_config_rollback.sh. sshd -t needs root, sshd and a private mount namespace (for
# /run/sshd): without them the other cases run and the test exits 77.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/sshd_config_lib.sh
. "$CLI_DIR/sshd_config_lib.sh"

setup_work

# --------------------------------------------------------------------------------------------
# Rendering and --output (no root needed)

# renders_example EXAMPLE [ARGS...]: `sshd-config ARGS` prints exactly the example drop-in
# examples/sshd_config.d/EXAMPLE.
renders_example() {
  example=$1
  shift
  enroll sshd-config "$@" </dev/null
  expect_rc 0 || return 1
  cmp -s "$WORK/out" "$EXAMPLES/sshd_config.d/$example" && return 0
  note "the output differs from examples/sshd_config.d/$example:"
  diff "$EXAMPLES/sshd_config.d/$example" "$WORK/out" | sed 's/^/    /'
  return 1
}

usage_errors_exit_2() {
  set -f  # "a*b" is an argument here, not a glob
  while read -r args; do
    # shellcheck disable=SC2086  # word splitting is the point
    enroll sshd-config $args </dev/null
    expect_rc 2 || { note "arguments: $args"; set +f; return 1; }
    expect_in err "sshotp-enroll: " || { set +f; return 1; }
  done <<EOF
--group a,b
--group -x
--group .x
--group a*b
--group !wheel
--group=
--group
--output $WORK/never.conf --install
--sshd /usr/sbin/sshd
--pam-service-file /etc/pam.d/sshd --output $WORK/never.conf
--install --sshd usr/sbin/sshd
--install --sshd-config-dir relative/dir
unexpected
--bogus
EOF
  set +f
  for group in "a b" "$(printf 'wheel\nMatch all')" "$(head -c 65 /dev/zero | tr '\0' g)"; do
    enroll sshd-config --group "$group" </dev/null
    expect_rc 2 || { note "group: $group"; return 1; }
  done
  [ ! -e "$WORK/never.conf" ] || { note "a usage error wrote a file"; return 1; }
}

output_is_atomic_and_0644() {
  dir="$WORK/output"
  mkdir -p "$dir" && printf 'old\n' >"$dir/20-sshotp.conf" || return 1
  before=$(stat -c %i "$dir/20-sshotp.conf")
  enroll sshd-config --group otpusers --output "$dir/20-sshotp.conf" </dev/null
  expect_rc 0 && expect_in out "wrote $dir/20-sshotp.conf" || return 1
  cmp -s "$dir/20-sshotp.conf" "$EXAMPLES/sshd_config.d/20-sshotp-group.conf" ||
    { note "--output wrote something else than the render"; return 1; }
  expect_mode "$dir/20-sshotp.conf" 644 || return 1
  [ "$(stat -c %i "$dir/20-sshotp.conf")" != "$before" ] ||
    { note "the file was rewritten in place instead of renamed over"; return 1; }
  enroll sshd-config --output "$dir/new.conf" </dev/null
  expect_rc 0 && expect_mode "$dir/new.conf" 644 || return 1
  expect_only_files "$dir" 20-sshotp.conf new.conf || return 1
  enroll sshd-config --output "$WORK/no-such-dir/x.conf" </dev/null
  expect_rc 1 && expect_in err "$WORK/no-such-dir"
}

run_case "sshd-config prints examples/sshd_config.d/20-sshotp.conf" renders_example 20-sshotp.conf
run_case "sshd-config --group otpusers prints examples/sshd_config.d/20-sshotp-group.conf" \
  renders_example 20-sshotp-group.conf --group otpusers
run_case "bad groups, paths, option mixes and operands exit 2 and write nothing" \
  usage_errors_exit_2
run_case "--output replaces atomically (new inode, no temp file left), mode 0644" \
  output_is_atomic_and_0644

# --------------------------------------------------------------------------------------------
# The examples pass sshd -t

need_sshd "sshd -t of the examples"
private_sshd_layout

examples_pass_sshd_t() {
  for example in "$EXAMPLES"/sshd_config.d/*.conf; do
    printf 'Include "%s"\nHostKey %s/host_key\nPidFile %s/sshd.pid\n' "$example" "$SSH_DIR" \
      "$SSH_DIR" >"$WORK/example_config"
    rc=0
    # shellcheck disable=SC2086
    $RUN_SSHD "$SSHD" -t -f "$WORK/example_config" >"$WORK/out" 2>"$WORK/err" || rc=$?
    expect_rc 0 || { note "sshd -t fails with $example"; return 1; }
  done
}

run_case "every example drop-in passes sshd -t" examples_pass_sshd_t

finish
