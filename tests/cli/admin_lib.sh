# SPDX-License-Identifier: BSD-3-Clause
# Helpers of the admin tests (test_admin.sh, test_import_batch.sh): their throwaway keys, feeding
# `import --batch`, reading `list --json` with Python's json module, and checking that no key
# shows in the output. Sourced after cli_lib.sh.
# shellcheck shell=sh disable=SC2154  # $WORK, $PY come from cli_lib.sh

# Throwaway keys for these tests only (160 bits each, except KEY80: too short to import).
KEY_A=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
KEY_B=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
KEY_C=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U
KEY80=GEZDGNBVGY3TQOJQ

# with_batch LINES: puts LINES (printf %b escapes) into $WORK/in and runs `import --batch`
# with any further arguments.
with_batch() {
  with_input "$1"
  shift
  enroll import --batch "$@" <"$WORK/in"
}

# list_json PYTHON: runs `list --json`, parses it with json.loads (strict UTF-8) and evaluates
# the Python expression PYTHON over `users`, a dict from user name to its object; the case
# fails unless the expression is true. Prints the JSON on failure.
# shellcheck disable=SC2016  # Python, not shell
JSON_PY='
import json, sys
with open(sys.argv[1], "rb") as f:
    rows = json.loads(f.read().decode("utf-8"))
users = {row["user"]: row for row in rows}
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)'
list_json() {
  enroll list --json </dev/null
  expect_rc 0 || return 1
  "$PY" -c "$JSON_PY" "$WORK/out" "$1" && return 0
  note "list --json fails: $1"
  head -c 3000 "$WORK/out" | sed 's/^/    stdout: /'
  return 1
}

# save_users_before: the users `list --json` shows now, as a Python literal in $WORK/before, for
# batch_refused's "nothing was written".
save_users_before() {
  enroll list --json </dev/null
  "$PY" -c 'import json, sys; print(repr({u["user"]: u for u in json.load(open(sys.argv[1]))}))' \
    "$WORK/out" >"$WORK/before"
}

# expect_no_secret: no key of these tests appears in the captured output.
expect_no_secret() {
  for secret in "$KEY_A" "$KEY_B" "$KEY_C" "$KEY80"; do
    expect_not_in out "$secret" && expect_not_in err "$secret" || return 1
  done
}
