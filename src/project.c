/*
 * project.c - a project directory with its database and stored config.
 */
#include <stdlib.h>
#include <string.h>

#include "project.h"
#include "util.h"

enum ns_rc
project_open(struct project *p, const char *dir, struct ns_err *err)
{
	char *yaml;
	enum ns_rc rc;

	memset(p, 0, sizeof(*p));
	rc = db_open(dir, DB_OPEN_EXISTING, &p->db, err);
	if (rc != NS_OK)
		return rc;
	yaml = db_meta_get(p->db, "config");
	if (yaml && *yaml) {
		char *name = xasprintf("%s/%s:negsieve.yaml", dir,
				       DB_FILENAME);

		rc = config_parse(yaml, strlen(yaml), name, &p->cfg, err);
		free(name);
	} else {
		p->cfg = config_new();
	}
	free(yaml);
	if (rc != NS_OK) {
		db_close(p->db);
		memset(p, 0, sizeof(*p));
		return rc;
	}
	p->dir = dir;
	return NS_OK;
}

enum ns_rc
project_init(struct project *p, const char *dir, const char *config_path,
	     struct ns_err *err)
{
	struct config *cfg = NULL;
	char ts[40];
	enum ns_rc rc;

	memset(p, 0, sizeof(*p));
	if (config_path) {
		rc = config_load(config_path, &cfg, err);
		if (rc != NS_OK)
			return rc;
	} else {
		cfg = config_new();
	}
	rc = db_open(dir, DB_OPEN_CREATE, &p->db, err);
	if (rc != NS_OK) {
		config_free(cfg);
		return rc;
	}
	if ((rc = db_begin(p->db, err)) == NS_OK &&
	    (rc = db_meta_set(p->db, "config", config_source(cfg), err)) ==
	    NS_OK &&
	    (rc = db_meta_set(p->db, "created_at",
			      now_iso8601(ts, sizeof(ts)), err)) == NS_OK &&
	    (rc = db_meta_set(p->db, "created_by", PACKAGE_STRING, err)) ==
	    NS_OK)
		rc = db_commit(p->db, err);
	if (rc != NS_OK) {
		db_rollback(p->db);
		db_close(p->db);
		config_free(cfg);
		memset(p, 0, sizeof(*p));
		return rc;
	}
	p->cfg = cfg;
	p->dir = dir;
	return NS_OK;
}

void
project_close(struct project *p)
{
	db_close(p->db);
	config_free(p->cfg);
	memset(p, 0, sizeof(*p));
}
