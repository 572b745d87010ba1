#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Cross-checks our TOTP codes ($SSHOTP_TOTP, i.e. common/totp.cc) against two independent
# implementations, oathtool and pyotp, on random secrets of several lengths and random times:
# the first steps of the epoch, around the 32-bit time_t overflow, and far in the future; for
# SHA1/SHA256/SHA512, 6 and 8 digits, 30 s and 60 s steps. Then our HOTP codes
# (common/hotp.cc), 20 consecutive counters from random ones (0, around 2^31 and 2^32, up to
# 2^40), against pyotp for every algorithm and oathtool --hotp for SHA1 (the only HMAC it
# offers for counters). The RFC vectors in test_totp and test_hotp pin fixed points; this covers
# the space between them.
#
# Every tool gets the secret on stdin, never in argv. The secrets are throwaway random test keys,
# so a mismatch prints them: without them the failure could not be reproduced.
#
# Environment: SSHOTP_TOTP (set by `make check`), SSHOTP_ORACLE_SECRETS (default 30).
# Exit status: 0 all agree, 1 a mismatch, 77 (skip) oathtool or pyotp missing, 99 misuse.
set -eu

secrets=${SSHOTP_ORACLE_SECRETS:-30}
python=/usr/bin/python3  # Debian's, which has python3-pyotp (the one on PATH may not)

if ! command -v oathtool >/dev/null 2>&1; then
  echo "SKIP: oathtool is not installed (Debian package oathtool)"
  exit 77
fi
if ! "$python" -c 'import pyotp' 2>/dev/null; then
  echo "SKIP: $python has no pyotp (Debian package python3-pyotp)"
  exit 77
fi
if [ ! -x "${SSHOTP_TOTP:-}" ]; then
  echo "SSHOTP_TOTP must name the built tests/tools/sshotp-totp" >&2
  exit 99
fi

umask 077
work=$(mktemp -d "${TMPDIR:-/tmp}/sshotp-oracles.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# HOTP: one line per secret, algorithm and digits, "ALGORITHM DIGITS FIRST_COUNTER SECRET";
# each tool prints the 20 codes from the first counter, so one process covers 20 comparisons.
hotp_run=20
pyotp_hotp_codes='
import hashlib, sys
import pyotp
digests = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
for line in sys.stdin:
    alg, digits, first, secret = line.split()
    hotp = pyotp.HOTP(secret, digits=int(digits), digest=digests[alg])
    print(" ".join(hotp.at(int(first) + k) for k in range(int(sys.argv[1]))))
'

# pyotp turns a unix time into a local datetime and back (mktime); in UTC that is exact.
pyotp_codes='
import hashlib, sys
import pyotp
digests = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
for line in sys.stdin:
    alg, digits, period, t, secret = line.split()
    try:
        totp = pyotp.TOTP(secret, digits=int(digits), interval=int(period), digest=digests[alg])
        print(totp.at(int(t)))
    except Exception as e:  # one bad case must not hide the others
        print("ERROR")
'

# A random base32 secret of $1 bytes, unpadded as in otpauth URIs.
random_secret() {
  head -c "$1" /dev/urandom | base32 -w0 | tr -d '='
}

# secret_for N: the Nth case's random secret. Key lengths in turn: short, the RFC 4226 minimum,
# SHA1/SHA256/SHA512 block-ish sizes.
secret_for() {
  set -- "$1" 10 16 20 32 64
  shift $((1 + $1 % 5))
  random_secret "$1"
}

# cases: one line per comparison, "ALGORITHM DIGITS PERIOD UNIX_TIME SECRET".
i=0
while [ "$i" -lt "$secrets" ]; do
  i=$((i + 1))
  secret=$(secret_for "$i")
  # Exact boundaries, one per secret in turn: the epoch, 2^31 - 1 and 2^31, 2^32 - 1, and
  # RFC 6238's last vector.
  set -- 0 59 2147483647 2147483648 4294967295 20000000000
  shift $((i % 6))
  boundary=$1
  # shellcheck disable=SC2046 # four random 32-bit numbers, split into $1..$4 on purpose
  set -- $(od -An -N16 -tu4 /dev/urandom)
  for t in $(($1 % 60)) $((2147483647 - 90 + $2 % 181)) $((20000000000 + $3 % 1000000)) \
    "$4" "$boundary"; do
    for alg in SHA1 SHA256 SHA512; do
      for digits in 6 8; do
        for period in 30 60; do
          echo "$alg $digits $period $t $secret"
        done
      done
    done
  done
done >"$work/cases"

while read -r alg digits period t secret; do
  ours=$(printf '%s\n' "$secret" |
    "$SSHOTP_TOTP" --algorithm "$alg" --digits "$digits" --period "$period" --time "$t") ||
    ours=ERROR
  oath=$(printf '%s\n' "$secret" |
    oathtool --totp="$alg" --base32 --digits="$digits" --time-step-size="${period}s" \
      --now="@$t" -) || oath=ERROR
  echo "$ours $oath"
done <"$work/cases" >"$work/ours_oathtool"

TZ=UTC "$python" -c "$pyotp_codes" <"$work/cases" >"$work/pyotp"

i=0
while [ "$i" -lt "$secrets" ]; do
  i=$((i + 1))
  secret=$(secret_for "$i")
  # shellcheck disable=SC2046 # two random 32-bit numbers, split into $1 and $2 on purpose
  set -- $(od -An -N8 -tu4 /dev/urandom)
  set -- 0 $((2147483647 - 10 + $1 % 20)) $((4294967295 - 10 + $1 % 20)) $(($1 * 256 + $2 % 256))
  shift $((i % 4))
  for alg in SHA1 SHA256 SHA512; do
    for digits in 6 8; do
      echo "$alg $digits $1 $secret"
    done
  done
done >"$work/hotp_cases"

while read -r alg digits first secret; do
  ours=$(printf '%s\n' "$secret" | "$SSHOTP_TOTP" --algorithm "$alg" --digits "$digits" \
    --counter "$first" --count "$hotp_run" | tr '\n' ' ') || ours=ERROR
  oath=-
  if [ "$alg" = SHA1 ]; then
    oath=$(printf '%s\n' "$secret" | oathtool --hotp --base32 --digits="$digits" \
      --counter="$first" --window=$((hotp_run - 1)) - | tr '\n' ' ') || oath=ERROR
  fi
  printf '%s|%s\n' "$ours" "$oath"
done <"$work/hotp_cases" >"$work/hotp_ours_oathtool"
"$python" -c "$pyotp_hotp_codes" "$hotp_run" <"$work/hotp_cases" >"$work/hotp_pyotp"

# One verdict line per HOTP case, in the form the TOTP comparison below reads: the codes as one
# comma-joined field per tool, so both kinds are tallied together.
paste -d '|' "$work/hotp_cases" "$work/hotp_ours_oathtool" "$work/hotp_pyotp" | awk -F'|' \
  -v run="$hotp_run" '{
    split($1, c, " "); n = split($2, ours, " "); split($4, py, " ")
    o = ($3 == "-") ? "" : $3; m = split(o, oath, " ")
    ok = (n == run)
    for (k = 1; k <= n; k++) {
      if (ours[k] !~ /^[0-9]+$/ || length(ours[k]) != c[2] || ours[k] != py[k]) ok = 0
      if (m > 0 && ours[k] != oath[k]) ok = 0
    }
    if (m > 0 && m != run) ok = 0
    if (ok) print "HOTP-OK"
    else printf "MISMATCH hotp algorithm=%s digits=%s counter=%s secret=%s: ours=%s oathtool=%s pyotp=%s\n", c[1], c[2], c[3], c[4], $2, $3, $4
  }' >"$work/hotp_verdicts"

paste -d ' ' "$work/cases" "$work/ours_oathtool" "$work/pyotp" | cat - "$work/hotp_verdicts" | awk '
  $1 == "HOTP-OK" { passed++; next }
  /^MISMATCH/ { failed++; print; next }
  NF == 8 && $6 == $7 && $7 == $8 && $6 ~ /^[0-9]+$/ && length($6) == $2 { passed++; next }
  {
    failed++
    printf "MISMATCH algorithm=%s digits=%s period=%s time=%s secret=%s: ", $1, $2, $3, $4, $5
    printf "ours=%s oathtool=%s pyotp=%s\n", $6, $7, $8
  }
  END {
    printf "%d passed, %d failed\n", passed, failed
    exit (failed > 0 || passed == 0)
  }'
