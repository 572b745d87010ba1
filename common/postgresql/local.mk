# SPDX-License-Identifier: BSD-3-Clause
# common/postgresql/: the PostgreSQL store. Its SQL is installed for administrators (the roles)
# and for `sshotp-enroll db init/upgrade` (the schema migrations).
pgsqldir = $(pkgdatadir)/postgresql
dist_pgsql_DATA = common/postgresql/sql/roles.sql common/postgresql/sql/schema_001.sql
