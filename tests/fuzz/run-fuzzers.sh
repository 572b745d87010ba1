#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs every libFuzzer target of a --enable-fuzzing build (ASan + UBSan) for FUZZ_SECONDS each
# (default 30), starting from the seed corpus in tests/fuzz/corpus/<name>/. New inputs go to a
# scratch corpus and crashes to artifacts/ under FUZZ_OUT (default BUILDDIR/fuzz-out), never into
# the source tree. Prints each target's executions and coverage, and "N passed, M failed".
# FUZZ_JOBS targets (default 1) run at once: each libFuzzer process uses one core.
# Usage: run-fuzzers.sh BUILDDIR [NAME...]   (NAME as in fuzz_NAME; default: every target built)
set -u

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${1:?usage: run-fuzzers.sh BUILDDIR [NAME...]}
shift
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-1}
out=${FUZZ_OUT:-$builddir/fuzz-out}
names=$*
if [ -z "$names" ]; then
  for target in "$builddir"/tests/fuzz/fuzz_*; do
    if [ -f "$target" ] && [ -x "$target" ]; then names="$names ${target##*/fuzz_}"; fi
  done
fi
if [ -z "$names" ]; then
  echo "FAIL: no fuzz targets in $builddir/tests/fuzz (configure --enable-fuzzing, make fuzz)"
  echo "0 passed, 1 failed"
  exit 1
fi
# Any sanitizer report ends the run with a stack trace; leaks count too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
passed=0
failed=0

# final_stat NAME LOG: one of libFuzzer's -print_final_stats values.
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

# fuzz_one NAME: runs fuzz_NAME for $seconds; its verdict (a line starting "ok:" or "FAIL:", the
# log's tail after a failure) goes to $out/NAME/result, printed in order once all have run.
fuzz_one() {
  name=$1
  target=$builddir/tests/fuzz/fuzz_$name
  work=$out/$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  dict=
  case $name in module_args | config_text) dict=-dict=$srcdir/tests/fuzz/settings.dict ;; esac
  started=$(date +%s)
  # shellcheck disable=SC2086 # $dict is one word or none
  "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" $dict "$work/corpus" "$srcdir/tests/fuzz/corpus/$name" \
    >"$work/log" 2>&1
  rc=$?
  elapsed=$(($(date +%s) - started))
  execs=$(final_stat number_of_executed_units "$work/log")
  coverage=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1 | cut -d' ' -f2)
  corpus=$(find "$work/corpus" -type f | wc -l)
  crashes=$(find "$work/artifacts" -type f | wc -l)
  if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
    echo "ok: fuzz_$name: ${execs:-?} executions in ${elapsed}s, coverage ${coverage:-?}," \
      "$corpus new inputs, no findings" >"$work/result"
  else
    {
      echo "FAIL: fuzz_$name (exit $rc): ${execs:-?} executions, $crashes saved in $work/artifacts"
      tail -n 60 "$work/log" | sed 's/^/    /'
    } >"$work/result"
  fi
}

# $jobs lanes, each running every $jobs-th target in turn. No verdict of an earlier run in the
# same FUZZ_OUT may stand in for one a lane never wrote.
for name in $names; do rm -f "$out/$name/result"; done
lane=0
while [ "$lane" -lt "$jobs" ]; do
  (
    index=0
    for name in $names; do
      if [ $((index % jobs)) -eq "$lane" ]; then fuzz_one "$name"; fi
      index=$((index + 1))
    done
  ) &
  lane=$((lane + 1))
done
wait

for name in $names; do
  if grep -q '^ok:' "$out/$name/result" 2>/dev/null; then
    passed=$((passed + 1))
    cat "$out/$name/result"
  else
    failed=$((failed + 1))
    cat "$out/$name/result" 2>/dev/null || echo "FAIL: fuzz_$name left no result"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
