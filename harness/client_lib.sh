# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The ssh client (part of the throwaway-sshd harness, harness/harness_lib.sh): the real OpenSSH
# client, isolated from the invoking user's configuration, with every prompt answered by an
# SSH_ASKPASS helper that reads the answers from a 0600 file and records the prompts, or typed
# by a person at a terminal.

# An SSH_ASKPASS program that answers ssh's prompts from $E2E_TMP/askpass/answers (one line per
# prompt, in order) and records each prompt, so tests can check what the user was asked.
e2e_write_askpass() {
  E2E_ASKPASS_DIR="$E2E_TMP/askpass"
  mkdir -m 0700 "$E2E_ASKPASS_DIR"
  E2E_ASKPASS="$E2E_ASKPASS_DIR/askpass"
  cat >"$E2E_ASKPASS" <<EOF
#!/bin/sh
# ssh runs this once per prompt, with the prompt as \$1.
dir='$E2E_ASKPASS_DIR'
printf '%s\n' "\$1" >>"\$dir/prompts"
echo >>"\$dir/calls"
n=\$(wc -l <"\$dir/calls")
sed -n "\${n}p" "\$dir/answers"
EOF
  chmod 0700 "$E2E_ASKPASS"
}

# e2e_set_answers < LINES: the askpass answers for the next connection (stdin, so a code never
# appears in argv). Also forgets the prompts of the previous connection.
e2e_set_answers() {
  rm -f "$E2E_ASKPASS_DIR/prompts" "$E2E_ASKPASS_DIR/calls"
  cat >"$E2E_ASKPASS_DIR/answers"
}

# Every prompt ssh showed since the last e2e_set_answers, one per line.
e2e_prompts() {
  cat "$E2E_ASKPASS_DIR/prompts" 2>/dev/null
  return 0
}

# e2e_ssh_command USER [SSH_OPTIONS...] -- REMOTE_COMMAND...: prints nothing, fills E2E_SSH
# with a real OpenSSH client command line for USER@127.0.0.1:E2E_PORT that ignores every
# config file, agent and known_hosts of the invoking user. Options given first win.
e2e_ssh_command() {
  local user=$1
  shift
  local options=()
  while (($#)) && [[ $1 != -- ]]; do
    options+=("$1")
    shift
  done
  (($#)) && shift
  E2E_SSH=(ssh -F /dev/null "${options[@]}"
    -o StrictHostKeyChecking=no -o UserKnownHostsFile="$E2E_TMP/known_hosts"
    -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o IdentityAgent=none
    -o BatchMode=no -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 -o LogLevel=ERROR
    -p "$E2E_PORT" -l "$user" 127.0.0.1 "$@")
}

# e2e_ssh_askpass USER [SSH_OPTIONS...] -- REMOTE_COMMAND...: runs ssh with no terminal, every
# prompt answered by the askpass helper; returns ssh's exit status.
e2e_ssh_askpass() {
  e2e_ssh_command "$@"
  SSH_ASKPASS="$E2E_ASKPASS" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
    setsid --wait timeout 60 "${E2E_SSH[@]}" </dev/null
}

# e2e_ssh_terminal USER [SSH_OPTIONS...] -- REMOTE_COMMAND...: the same, but a person types the
# code at ssh's prompt on the terminal.
e2e_ssh_terminal() {
  e2e_ssh_command "$@"
  "${E2E_SSH[@]}"
}
