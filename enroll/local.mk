# SPDX-License-Identifier: BSD-3-Clause
# enroll/: the sshotp-enroll CLI. Everything but main.cc is one convenience library, one folder a
# job (README "Layout"), which the program and the tests link alike.
noinst_LTLIBRARIES += enroll/libsshotp_enroll.la
enroll_libsshotp_enroll_la_SOURCES = enroll/program_name.h \
	enroll/cli/code_line.cc enroll/cli/code_line.h enroll/cli/command_start.cc \
	enroll/cli/command_start.h enroll/cli/config_location.h \
	enroll/cli/exit_status.h enroll/command_table.cc \
	enroll/command_table.h enroll/cli/module_settings.cc enroll/cli/module_settings.h \
	enroll/cli/options.cc enroll/cli/options.h enroll/cli/pam_service_file.cc \
	enroll/cli/pam_service_file.h enroll/cli/reporting.cc enroll/cli/reporting.h \
	enroll/cli/session.cc enroll/cli/session.h enroll/cli/settings.cc enroll/cli/settings.h \
	enroll/cli/store_access.cc enroll/cli/store_access.h enroll/cli/terminal.cc \
	enroll/cli/terminal.h \
	enroll/setuid/cgroup_guard.cc enroll/setuid/cgroup_guard.h enroll/setuid/cgroup_locate.cc \
	enroll/setuid/elevated_store.cc enroll/setuid/elevated_store.h enroll/setuid/privilege.cc \
	enroll/setuid/privilege.h \
	enroll/qr/qr_image.cc enroll/qr/qr_image.h enroll/qr/qr_image_files.cc \
	enroll/qr/qr_image_files.h enroll/qr/qr_terminal.cc enroll/qr/qr_terminal.h \
	enroll/enrollment/enroll_command.cc enroll/enrollment/enrollment_commands.h enroll/enrollment/pending_enrollment.cc \
	enroll/enrollment/pending_enrollment.h enroll/enrollment/possession.cc \
	enroll/enrollment/possession.h enroll/enrollment/recovery_command.cc \
	enroll/enrollment/recovery_set.cc enroll/enrollment/recovery_set.h \
	enroll/enrollment/save_enrollment.cc enroll/enrollment/save_enrollment.h \
	enroll/admin/admin_commands.cc enroll/admin/admin_commands.h enroll/admin/json_string.cc enroll/admin/json_string.h \
	enroll/admin/list_command.cc enroll/admin/resync_command.cc enroll/admin/resync_command.h \
	enroll/admin/user_report.cc enroll/admin/user_report.h \
	enroll/import/import_batch.cc enroll/import/import_batch.h enroll/import/import_command.cc enroll/import/import_command.h \
	enroll/import/import_rules.cc enroll/import/import_rules.h enroll/import/line_source.cc \
	enroll/import/line_source.h \
	enroll/migrate/google_authenticator_migration.cc enroll/migrate/migrate_command.cc \
	enroll/migrate/migrate_command.h enroll/migrate/migrated_user.cc \
	enroll/migrate/migrated_user.h enroll/migrate/oath_migration.cc \
	enroll/migrate/parsers/google_authenticator_file.cc \
	enroll/migrate/parsers/google_authenticator_file.h enroll/migrate/parsers/oath_users_file.cc \
	enroll/migrate/parsers/oath_users_file.h enroll/migrate/parsers/parser_basics.cc \
	enroll/migrate/parsers/parser_basics.h \
	enroll/sshd/culprits.cc enroll/sshd/culprits.h enroll/sshd/dropin.cc enroll/sshd/dropin.h \
	enroll/sshd/file_replace.cc enroll/sshd/file_replace.h enroll/sshd/install.cc \
	enroll/sshd/install.h enroll/sshd/pam_stack_check.cc enroll/sshd/pam_stack_check.h \
	enroll/sshd/probe.cc enroll/sshd/probe.h enroll/sshd/sshd_config_command.cc enroll/sshd/sshd_config_command.h \
	enroll/sshd/users.cc enroll/sshd/users.h \
	enroll/database/copy_merge.cc enroll/database/copy_merge.h \
	enroll/database/db_check.cc enroll/database/db_command.cc enroll/database/db_commands.h \
	enroll/database/db_copy.cc
enroll_libsshotp_enroll_la_CXXFLAGS = $(AM_CXXFLAGS) $(QRENCODE_CFLAGS) $(PNG_CFLAGS)
enroll_libsshotp_enroll_la_LIBADD = $(QRENCODE_LIBS) $(PNG_LIBS)

sbin_PROGRAMS = enroll/sshotp-enroll
enroll_sshotp_enroll_SOURCES = enroll/main.cc
enroll_sshotp_enroll_LDADD = enroll/libsshotp_enroll.la common/libsshotp.la
dist_man_MANS += enroll/sshotp-enroll.8 enroll/sshotp.conf.5

# The settings file /etc/security/sshotp.conf (with --sysconfdir=/etc): every setting commented out
# at its default. Checked in, not generated, so it reads the same in the tree and in packages
# (tests/unit/test_shipped_settings.cc keeps it equal to the settings table). Installed like a
# conffile: an existing file holds the admin's settings and is never overwritten, and uninstall
# removes the file only while it is still the shipped one.
securityconfdir = $(sysconfdir)/security
EXTRA_DIST += enroll/sshotp.conf
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(securityconfdir)'
	@if test -e '$(DESTDIR)$(securityconfdir)/sshotp.conf'; then \
	  echo "keeping the existing $(DESTDIR)$(securityconfdir)/sshotp.conf"; \
	else \
	  echo " $(INSTALL_DATA) enroll/sshotp.conf '$(DESTDIR)$(securityconfdir)/sshotp.conf'"; \
	  $(INSTALL_DATA) '$(srcdir)/enroll/sshotp.conf' '$(DESTDIR)$(securityconfdir)/sshotp.conf'; \
	fi
uninstall-local:
	@if cmp -s '$(srcdir)/enroll/sshotp.conf' '$(DESTDIR)$(securityconfdir)/sshotp.conf'; then \
	  echo " rm -f '$(DESTDIR)$(securityconfdir)/sshotp.conf'"; \
	  rm -f '$(DESTDIR)$(securityconfdir)/sshotp.conf'; \
	elif test -e '$(DESTDIR)$(securityconfdir)/sshotp.conf'; then \
	  echo "keeping $(DESTDIR)$(securityconfdir)/sshotp.conf: it differs from the shipped one"; \
	fi
# Setuid root, as passwd(1) is, so that users enroll themselves while the key and the store stay
# root's (sshotp-enroll(8), SECURITY MODEL). sbin programs are installed by install-exec. A user
# may set the bit on a file of their own, so a non-root DESTDIR install (and distcheck) works;
# packagers (fakeroot) keep the mode. `chmod u-s` turns self-service off.
install-exec-hook:
	chmod 4755 $(DESTDIR)$(sbindir)/sshotp-enroll$(EXEEXT)

# Sanitizer builds only: LeakSanitizer cannot check a setuid process (see the file).
if ENABLE_SANITIZERS
enroll_sshotp_enroll_SOURCES += enroll/sanitizer_options.cc
endif
EXTRA_DIST += enroll/sanitizer_options.cc
