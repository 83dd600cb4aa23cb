/*
 * schema.h - the ordered list of schema migrations.
 */
#ifndef NS_SCHEMA_H
#define NS_SCHEMA_H

struct schema_migration {
	int version;		/* PRAGMA user_version after applying */
	const char *sql;	/* statements, applied in one transaction */
};

/* Migrations in ascending version order; the list ends with {0, NULL}. */
extern const struct schema_migration schema_migrations[];

#endif
