# SPDX-License-Identifier: BSD-3-Clause
# common/: the core (TOTP, crypto, store, config, verification), linked into the module and the
# CLI. No PAM and no QR headers.
noinst_LTLIBRARIES += common/libsshotp.la
common_libsshotp_la_SOURCES = \
	common/account.cc common/account.h common/audit.cc common/audit.h common/base32.cc \
	common/base32.h common/clock.h common/config.cc common/config.h common/crypto.cc \
	common/crypto.h common/enrollment_row.cc common/enrollment_row.h common/file_checks.cc common/file_checks.h common/key_check.cc \
	common/key_check.h common/lockout.cc common/lockout.h common/log.cc common/log.h \
	common/login_policy.cc common/login_policy.h common/otpauth_uri.cc common/otpauth_uri.h \
	common/policy.cc common/policy.h common/recovery_codes.cc common/recovery_codes.h \
	common/result.h common/secret.cc common/secret.h common/sqlite_key_check.cc \
	common/sqlite_schema.cc common/sqlite_schema.h common/sqlite_store.cc \
	common/sqlite_store.h common/sqlite_support.cc common/sqlite_support.h \
	common/sqlite_transaction.cc common/sqlite_transaction.h common/store.h common/text.cc \
	common/text.h common/totp.cc common/totp.h common/typed_code.cc common/typed_code.h \
	common/verifier.cc common/verifier.h
common_libsshotp_la_CXXFLAGS = $(AM_CXXFLAGS) $(SQLITE_CFLAGS) $(CRYPTO_CFLAGS) $(OATH_CFLAGS)
common_libsshotp_la_LIBADD = $(SQLITE_LIBS) $(CRYPTO_LIBS) $(OATH_LIBS)
