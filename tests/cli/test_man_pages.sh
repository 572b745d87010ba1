#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The manual pages cannot fall behind the code: every setting in the table of common/config.cc
# (the names config files and module arguments accept) has its own entry in sshotp.conf(5) and
# is documented in pam_sshotp(8), every sshotp-enroll command in enroll/command_table.cc has an
# entry in sshotp-enroll(8), and groff formats all three pages without a warning. Needs no root.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"

CONF_PAGE="$SSHOTP_SRCDIR/enroll/sshotp.conf.5"
MODULE_PAGE="$SSHOTP_SRCDIR/pam_module/pam_sshotp.8"
ENROLL_PAGE="$SSHOTP_SRCDIR/enroll/sshotp-enroll.8"

# names_in FILE: the first string of each `{"name", ...` table row, one per line.
names_in() {
  sed -n 's/^ *{"\([a-z][a-z_-]*\)",.*/\1/p' "$1"
}

# every_name_in TABLE AT_LEAST PAGE PATTERN: TABLE has at least AT_LEAST names (so that the
# extraction still works), and for each of them PAGE has a line matching the extended regular
# expression PATTERN with NAME replaced by the name.
every_name_in() {
  names=$(names_in "$SSHOTP_SRCDIR/$1")
  found=$(printf '%s\n' "$names" | grep -c .)
  [ "$found" -ge "$2" ] || { note "only $found names in $1: has its layout changed?"; return 1; }
  for table_name in $names; do
    grep -Eq "$(printf '%s' "$4" | sed "s/NAME/$table_name/g")" "$3" ||
      { note "$(basename "$3") lacks $table_name"; return 1; }
  done
}

settings_have_entries_in_sshotp_conf_5() {
  # A paragraph tag: .BI name " VALUE"
  every_name_in common/config.cc 17 "$CONF_PAGE" '^\.BI NAME "'
}

settings_are_documented_in_pam_sshotp_8() {
  # As a module argument: name=VALUE, or a flag in bold.
  every_name_in common/config.cc 17 "$MODULE_PAGE" '(^|[ "])NAME=|^\.B NAME$'
}

commands_have_entries_in_sshotp_enroll_8() {
  every_name_in enroll/command_table.cc 9 "$ENROLL_PAGE" '^\.(B|BI|BR) "?NAME( |"|$)'
}

pages_format_without_warnings() {
  for page in "$CONF_PAGE" "$MODULE_PAGE" "$ENROLL_PAGE"; do
    warnings=$(groff -man -ww -z -Tutf8 "$page" 2>&1)
    [ -z "$warnings" ] || { note "$page: $warnings"; return 1; }
  done
}

run_case "every setting has an entry in sshotp.conf(5)" settings_have_entries_in_sshotp_conf_5
run_case "every setting is documented in pam_sshotp(8)" settings_are_documented_in_pam_sshotp_8
run_case "every command has an entry in sshotp-enroll(8)" commands_have_entries_in_sshotp_enroll_8
if command -v groff >/dev/null; then
  run_case "groff formats the pages without warnings" pages_format_without_warnings
else
  skip_case "groff formats the pages without warnings" "no groff"
fi

finish
