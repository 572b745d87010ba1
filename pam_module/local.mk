# SPDX-License-Identifier: BSD-3-Clause
# pam_module/: thin extern "C" entry points over the core.
pam_LTLIBRARIES = pam_module/pam_sshotp.la
pam_module_pam_sshotp_la_SOURCES = \
	pam_module/pam_sshotp.cc \
	pam_module/authenticate.cc pam_module/authenticate.h \
	pam_module/pam_io.cc pam_module/pam_io.h
pam_module_pam_sshotp_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS) -module -avoid-version -shared \
	-Wl,--version-script=$(top_srcdir)/pam_module/pam_sshotp.map
EXTRA_pam_module_pam_sshotp_la_DEPENDENCIES = $(top_srcdir)/pam_module/pam_sshotp.map
# $(MODULE_LIBSTDCXX): libstdc++.a, or empty (configure.ac says why). libtool warns that linking
# a static archive into a shared library is not portable; on Debian's PIC libstdc++.a it works.
# With it the module is never unloaded (-z nodelete, MODULE_LDFLAGS): libstdc++'s start-up
# allocations (its 72 KiB exception pool) would otherwise leak at every pam_end's dlclose.
pam_module_pam_sshotp_la_LIBADD = common/libsshotp.la $(PAM_LIBS) $(MODULE_LIBSTDCXX)
dist_man_MANS += pam_module/pam_sshotp.8

# Automake files a directory called pamdir under install-data, so the .la cleanup must be a data
# hook; no .la is ever installed into the PAM module directory.
install-data-hook:
	rm -f $(DESTDIR)$(pamdir)/pam_sshotp.la
uninstall-hook:
	rm -f $(DESTDIR)$(pamdir)/pam_sshotp.so
EXTRA_DIST += pam_module/pam_sshotp.map
