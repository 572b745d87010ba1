#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark of `sshotp-enroll import --batch`: provisions USERS users (default 1,000,000) with
# random 160-bit keys into a fresh store, in one transaction, and prints the wall time, the CPU
# time and the peak memory. Not a test (make check never runs it): run it by hand, e.g.
#   SSHOTP_ENROLL=_build/enroll/sshotp-enroll bench/import_batch.sh 1000000
# (on PostgreSQL: see SSHOTP_BENCH_STORE_SETTINGS below).
# Also times `list --json` over the result and a second, refused batch (every user is already
# enrolled), which shows what the all-or-nothing check costs. Everything lives in a mktemp -d
# directory under $TMPDIR (the file system there decides the fsync cost; it is printed).
set -eu

users=${1:-1000000}
enroll=${SSHOTP_ENROLL:?set SSHOTP_ENROLL to the built sshotp-enroll}
work=$(mktemp -d "${TMPDIR:-/tmp}/sshotp-bench-import.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
printf 'db = %s/store/sshotp.db\nkey_file = %s/sshotp.key\n' "$work" "$work" >"$work/sshotp.conf"
# Another store: SSHOTP_BENCH_STORE_SETTINGS names a file of settings appended to the config
# (store = postgresql, pg_conninfo, pg_plugin; an initialised, empty schema).
if [ -n "${SSHOTP_BENCH_STORE_SETTINGS:-}" ]; then
  cat "$SSHOTP_BENCH_STORE_SETTINGS" >>"$work/sshotp.conf"
fi

# USER BASE32 lines, the users in random order (nothing sorts a real export for us). The keys
# are throwaway random bytes; the file is private and removed on exit.
python3 - "$users" >"$work/batch" <<'PY'
import base64, os, random, sys
n = int(sys.argv[1])
order = list(range(n))
random.shuffle(order)
out = sys.stdout
for i in order:
    out.write(f"user{i:07d} {base64.b32encode(os.urandom(20)).decode()}\n")
PY

# measure LABEL COMMAND...: runs COMMAND with stdin from $work/stdin, prints LABEL and the
# wall/CPU seconds and peak RSS that GNU time reports; returns the command's exit status.
measure() {
  label=$1
  shift
  rc=0
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" <"$work/stdin" >"$work/out" \
    2>"$work/err" || rc=$?
  # GNU time puts "Command exited with non-zero status N" before its own line.
  tail -n 1 "$work/time" | awk -v label="$label" -v rc="$rc" '{ printf "%-32s %8.2f s wall %8.2f s CPU %6d MiB peak (exit %d)\n",
    label, $1, $2 + $3, $4 / 1024, rc }'
}

echo "import --batch of $users users on $(stat -f -c %T "$work") ($work), $(nproc) CPUs"
cp "$work/batch" "$work/stdin"
measure "import --batch" "$enroll" --config "$work/sshotp.conf" import --batch
grep -q "imported the keys of $users users" "$work/err" || { cat "$work/err"; exit 1; }
echo "store: $(du -h "$work/store/sshotp.db" | cut -f1)"
: >"$work/stdin"
measure "list --json" "$enroll" --config "$work/sshotp.conf" list --json
[ "$(grep -c '"user":' "$work/out")" -eq "$users" ] || { echo "list is incomplete"; exit 1; }
cp "$work/batch" "$work/stdin"
measure "import --batch again (refused)" "$enroll" --config "$work/sshotp.conf" import --batch
