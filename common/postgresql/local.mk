# SPDX-License-Identifier: BSD-3-Clause
# common/postgresql/: the PostgreSQL store. Its SQL is installed for administrators (the roles)
# and for `sshotp-enroll db init/upgrade` (the schema migrations).
pgsqldir = $(pkgdatadir)/postgresql
PG_MIGRATIONS = common/postgresql/sql/schema_001.sql
dist_pgsql_DATA = common/postgresql/sql/roles.sql $(PG_MIGRATIONS)

# The migrations compiled into the plugin for `sshotp-enroll db init/upgrade` (pg_admin.h).
common/postgresql/pg_migrations.h: $(PG_MIGRATIONS:%=$(top_srcdir)/%) \
		$(top_srcdir)/common/postgresql/sql/embed_migrations.awk
	$(AM_V_GEN)$(MKDIR_P) common/postgresql && \
	$(AWK) -f $(top_srcdir)/common/postgresql/sql/embed_migrations.awk \
	  $(PG_MIGRATIONS:%=$(top_srcdir)/%) >$@-t && mv $@-t $@
BUILT_SOURCES += common/postgresql/pg_migrations.h
CLEANFILES += common/postgresql/pg_migrations.h
EXTRA_DIST += common/postgresql/sql/embed_migrations.awk

PG_STORE_SOURCES = \
	common/postgresql/pg_columns.cc common/postgresql/pg_columns.h \
	common/postgresql/pg_connect.cc common/postgresql/pg_connect.h \
	common/postgresql/pg_connection.cc common/postgresql/pg_connection.h \
	common/postgresql/pg_conninfo.cc common/postgresql/pg_conninfo.h \
	common/postgresql/pg_key_check.cc common/postgresql/pg_login_sql.h \
	common/postgresql/pg_resolve.cc common/postgresql/pg_resolve.h \
	common/postgresql/pg_rows.cc common/postgresql/pg_rows.h \
	common/postgresql/pg_admin.h common/postgresql/pg_inspect.cc \
	common/postgresql/pg_schema_admin.cc \
	common/postgresql/pg_store.cc common/postgresql/pg_store.h \
	common/postgresql/pg_transaction.cc common/postgresql/pg_transaction.h
if WITH_POSTGRESQL
# The store's code, apart from the core: only the plugin and the tests link it, never the module
# or the CLI (a SQLite host must not map libpq).
noinst_LTLIBRARIES += common/postgresql/libsshotp_pg.la
common_postgresql_libsshotp_pg_la_SOURCES = $(PG_STORE_SOURCES)
# -pthread: host names are looked up on threads of their own (pg_resolve.h); glibc before 2.34
# keeps std::thread's pthread_create in libpthread.
common_postgresql_libsshotp_pg_la_CXXFLAGS = $(AM_CXXFLAGS) $(LIBPQ_CFLAGS) -pthread
common_postgresql_libsshotp_pg_la_LIBADD = $(LIBPQ_LIBS) -lpthread

# The plugin the core dlopen()s for `store = postgresql` (store_plugin.h). It carries the few
# pure core files it needs (the row checks), not the core, and, like pam_sshotp.so, a private
# libstdc++ ($(MODULE_LIBSTDCXX), see configure.ac) behind a version script that exports its
# entry point alone. libtool installs its .la beside it, as for any dlopen()ed module.
pkglib_LTLIBRARIES = common/postgresql/store_postgresql.la
common_postgresql_store_postgresql_la_SOURCES = common/postgresql/pg_plugin.cc \
	common/enrollment_row.cc common/host_name.cc common/otp_params.cc
common_postgresql_store_postgresql_la_CXXFLAGS = $(AM_CXXFLAGS) $(LIBPQ_CFLAGS)
common_postgresql_store_postgresql_la_LDFLAGS = $(AM_LDFLAGS) $(MODULE_LDFLAGS) -module \
	-avoid-version -shared -Wl,--version-script=$(top_srcdir)/common/postgresql/store_postgresql.map
EXTRA_common_postgresql_store_postgresql_la_DEPENDENCIES = \
	$(top_srcdir)/common/postgresql/store_postgresql.map
common_postgresql_store_postgresql_la_LIBADD = common/postgresql/libsshotp_pg.la $(LIBPQ_LIBS) \
	$(MODULE_LIBSTDCXX)
# The build tree's plugin, for the tests (they name it in their config files: pg_plugin).
SSHOTP_PG_PLUGIN = $(abs_top_builddir)/common/postgresql/.libs/store_postgresql.so
else
EXTRA_DIST += $(PG_STORE_SOURCES) common/postgresql/pg_plugin.cc
endif
EXTRA_DIST += common/postgresql/store_postgresql.map
