#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of `sshotp-enroll sshd-config --install` where sshd would not do what the drop-in asks,
# in a private sshd_config.d under a private main config laid out like Debian's (see
# sshd_config_lib.sh), judged by the real sshd -t and sshd -T: earlier drop-ins, Match blocks
# (also for a real group member: a throwaway group and user, removed on exit) and main-config
# lines that override it, a main config without the Include, and an invalid configuration. Each
# exits 1 naming the culprit, and the previous drop-in is restored byte for byte (or the new one
# removed). Nothing under /etc/ssh or /etc/pam.d is touched. Needs root, sshd and a private
# mount namespace (for /run/sshd), or the test exits 77.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/sshd_config_lib.sh
. "$CLI_DIR/sshd_config_lib.sh"

setup_work
need_sshd "sshd-config --install rolled back"
private_sshd_layout
throwaway_accounts

# keep_previous TEXT MODE: an existing 20-sshotp.conf that a failed install must leave alone.
keep_previous() {
  printf '%b' "$1" >"$TARGET" && chmod "$2" "$TARGET" && cp -p "$TARGET" "$WORK/previous"
}

expect_previous_restored() {
  expect_in err "restored the previous $TARGET" || return 1
  cmp -s "$TARGET" "$WORK/previous" || { note "$TARGET is not byte-identical"; return 1; }
  expect_mode "$TARGET" "$(stat -c %a "$WORK/previous")" || return 1
  [ -z "$(find "$DROPINS" -mindepth 1 -name '.*')" ] ||
    { note "a temporary file was left"; return 1; }
}

expect_removed_again() {
  expect_in err "removed $TARGET again" || return 1
  [ ! -e "$TARGET" ] || { note "$TARGET is still there"; return 1; }
}

# --------------------------------------------------------------------------------------------
# Overrides and invalid configurations: rolled back, the culprit named

# A global "no" in an earlier drop-in wins and disables the method AuthenticationMethods needs:
# sshd -t itself fails. Both spellings (ChallengeResponseAuthentication is the old alias).
earlier_dropin_breaks_sshd_t() {
  for line in "KbdInteractiveAuthentication no" "ChallengeResponseAuthentication no"; do
    fresh_layout
    keep_previous '# an older drop-in, kept byte for byte\nUsePAM yes\n' 640
    printf '%s\n' "$line" >"$DROPINS/10-x.conf"
    install_dropin
    expect_rc 1 && expect_in err "sshd -t rejects the configuration" &&
      expect_in err "$DROPINS/10-x.conf line 1 '$line' comes first" || return 1
    expect_previous_restored || return 1
  done
}

# sshd -t passes (Match blocks are checked only per connection), sshd -T tells.
earlier_match_overrides() {
  fresh_layout
  printf 'Match User nobody\n    AuthenticationMethods any\n' >"$DROPINS/10-x.conf"
  install_dropin
  expect_rc 1 &&
    expect_in err "for nobody (any user) sshd uses 'authenticationmethods any'" &&
    expect_in err "overridden by $DROPINS/10-x.conf line 2 'AuthenticationMethods any'" &&
    expect_in err "'AuthenticationMethods any' under 'Match User nobody'" || return 1
  expect_removed_again
}

main_config_above_include_overrides() {
  fresh_layout 'PasswordAuthentication yes\nUsePAM no\n'
  install_dropin
  expect_rc 1 && expect_in err "sshd uses 'passwordauthentication yes', not 'no'" &&
    expect_in err "overridden by $MAIN line 1 'PasswordAuthentication yes'" &&
    expect_in err "sshd uses 'usepam no', not 'yes'" &&
    expect_in err "overridden by $MAIN line 2 'UsePAM no'" || return 1
  expect_removed_again
}

not_included_is_explained() {
  fresh_layout
  sed -i '/^Include /d' "$MAIN"
  install_dropin
  expect_rc 1 && expect_in err "$MAIN does not include $TARGET" && expect_removed_again
}

invalid_main_config_rolls_back() {
  fresh_layout
  install_dropin
  expect_rc 0 && cp -p "$TARGET" "$WORK/previous" || return 1
  write_main_config "" 'NoSuchKeyword yes\n'
  install_dropin --group "$GROUP"
  expect_rc 1 && expect_in err "sshd -t rejects the configuration" &&
    expect_in err "NoSuchKeyword" && expect_previous_restored
}

# A Match Group block in an earlier drop-in, judged for a real member of the group.
group_match_overrides() {
  fresh_layout
  keep_previous '# previous\n' 644
  printf 'Match Group %s\n    KbdInteractiveAuthentication no\n' "$GROUP" >"$DROPINS/10-x.conf"
  install_dropin --group "$GROUP"
  expect_rc 1 &&
    expect_in err "for $MEMBER (member of $GROUP) sshd uses 'kbdinteractiveauthentication no'" &&
    expect_in err "$DROPINS/10-x.conf line 2 'KbdInteractiveAuthentication no' under" &&
    expect_in err "'KbdInteractiveAuthentication no' under 'Match Group $GROUP'" || return 1
  expect_previous_restored
}

run_case "earlier KbdInteractive/ChallengeResponse no: sshd -t fails, named, restored" \
  earlier_dropin_breaks_sshd_t
run_case "an earlier Match block overriding AuthenticationMethods: named, new file removed" \
  earlier_match_overrides
run_case "PasswordAuthentication yes, UsePAM no above the Include: named, new file removed" \
  main_config_above_include_overrides
run_case "a main config that does not include sshd_config.d: explained, removed" \
  not_included_is_explained
run_case "an invalid main config: sshd -t fails, the previous file is byte-identical" \
  invalid_main_config_rolls_back
run_case "an earlier Match Group block overriding the member's settings: named, restored" \
  group_match_overrides

finish
