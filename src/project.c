/*
 * project.c - a project directory with its database and stored config.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "src/cascade.h"
#include "src/keymap.h"
#include "src/project.h"
#include "src/util.h"

/* A fresh random project id: 32 hex digits. */
static void
project_new_id(char out[33])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		uint64_t h[2] = { (uint64_t)time(NULL), (uint64_t)getpid() };
		double t = now_seconds();

		h[0] = hash64(&t, sizeof(t)) ^ h[0];
		h[1] = hash64(h, sizeof(h));
		memcpy(b, h, sizeof(b));
	}
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

char *
project_id(const struct project *p)
{
	return db_meta_get(p->db, "project_id");
}

/* Open @dir in @mode.  A stored configuration that no longer passes the
 * checks (a value a newer version refuses, such as mine.range_max 0)
 * fails the open with a hint to replace it, unless @cfg_err is given:
 * then it gets the error and @p the defaults, so that `negsieve config`
 * can still show and replace it. */
static enum ns_rc
project_open_mode(struct project *p, const char *dir, enum db_open_mode mode,
		  struct ns_err *cfg_err, struct ns_err *err)
{
	char *yaml, *id;
	enum ns_rc rc;

	memset(p, 0, sizeof(*p));
	rc = db_open(dir, mode, &p->db, err);
	if (rc != NS_OK)
		return rc;
	yaml = db_meta_get(p->db, "config");
	if (yaml && *yaml) {
		char *name = xasprintf("%s/%s:negsieve.yaml", dir,
				       DB_FILENAME);

		rc = config_parse(yaml, strlen(yaml), name, &p->cfg, err);
		free(name);
		if (rc == NS_ECONFIG && cfg_err) {
			*cfg_err = *err;
			err_clear(err);
			p->cfg = config_new();
			rc = NS_OK;
		} else if (rc == NS_ECONFIG) {
			size_t n = strlen(err->msg);

			snprintf(err->msg + n, sizeof(err->msg) - n, " (the "
				 "stored configuration; replace it with "
				 "'negsieve config %s FILE')", dir);
		}
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
	/* projects made before ids existed get one now */
	if (mode == DB_OPEN_READ && !db_readonly(p->db))
		mode = DB_OPEN_EXISTING;
	if (mode == DB_OPEN_EXISTING && !(id = project_id(p))) {
		char nid[33];

		project_new_id(nid);
		rc = db_meta_set(p->db, "project_id", nid, err);
		if (rc != NS_OK) {
			project_close(p);
			return rc;
		}
	} else if (mode == DB_OPEN_EXISTING) {
		free(id);
	}
	return NS_OK;
}

enum ns_rc
project_open(struct project *p, const char *dir, struct ns_err *err)
{
	return project_open_mode(p, dir, DB_OPEN_EXISTING, NULL, err);
}

enum ns_rc
project_open_readonly(struct project *p, const char *dir, struct ns_err *err)
{
	return project_open_mode(p, dir, DB_OPEN_READONLY, NULL, err);
}

enum ns_rc
project_open_read(struct project *p, const char *dir, struct ns_err *err)
{
	return project_open_mode(p, dir, DB_OPEN_READ, NULL, err);
}

enum ns_rc
project_open_any_config(struct project *p, const char *dir, bool write,
			struct ns_err *cfg_err, struct ns_err *err)
{
	err_clear(cfg_err);
	return project_open_mode(p, dir, write ? DB_OPEN_EXISTING :
				 DB_OPEN_READ, cfg_err, err);
}

enum ns_rc
project_init(struct project *p, const char *dir, const char *config_path,
	     struct ns_err *err)
{
	return project_init_group(p, dir, config_path, NULL, err);
}

/* Each check is the one of the code that uses the setting, so that what
 * config and init accept, cascade and review accept; their messages have
 * their file:line:col already (config_error()). */
enum ns_rc
project_config_check(const struct config *cfg, struct ns_err *err)
{
	struct keymap *km;
	struct cascade c;
	enum ns_rc rc;

	if ((rc = cascade_from_config(&c, cfg, err)))
		return rc;
	cascade_fini(&c);
	km = keymap_new();
	rc = keymap_configure(km, cfg, err);
	keymap_free(km);
	return rc;
}

enum ns_rc
project_config_load(const char *path, struct config **out,
		    struct ns_err *err)
{
	struct config *cfg = NULL;
	enum ns_rc rc;

	if ((rc = config_load(path, &cfg, err)))
		return rc;
	if ((rc = project_config_check(cfg, err))) {
		config_free(cfg);
		return rc;
	}
	*out = cfg;
	return NS_OK;
}

/* init makes a project in a new or an empty directory only: a directory
 * holding other files is most likely a mistyped name, and the project
 * would take it over (its mode, --group's chown and setgid).  A project
 * already there is left to db_create() to name; leftovers of a killed
 * init (.negsieve.db.new-PID) do not count.  A directory that cannot be
 * listed is left to db_create() too, which says why. */
static enum ns_rc
project_check_empty(const char *dir, struct ns_err *err)
{
	static const char tmp_prefix[] = "." DB_FILENAME ".new-";
	char *db_path = xasprintf("%s/%s", dir, DB_FILENAME);
	char first[sizeof(((struct dirent *)0)->d_name)] = "";
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	bool has_db = access(db_path, F_OK) == 0;

	free(db_path);
	if (has_db || !(d = opendir(dir)))
		return NS_OK;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strncmp(de->d_name, tmp_prefix, sizeof(tmp_prefix) - 1))
			continue;
		if (!n++)
			snprintf(first, sizeof(first), "%s", de->d_name);
	}
	closedir(d);
	if (!n)
		return NS_OK;
	if (n == 1)
		return err_set(err, NS_EUSAGE, "%s: the directory is not empty "
			       "(it holds '%s'); init creates a project only in "
			       "a new or an empty directory", dir, first);
	return err_set(err, NS_EUSAGE, "%s: the directory is not empty (it "
		       "holds '%s' and %zu more); init creates a project only "
		       "in a new or an empty directory", dir, first, n - 1);
}

enum ns_rc
project_init_group(struct project *p, const char *dir,
		   const char *config_path, const char *group,
		   struct ns_err *err)
{
	struct config *cfg = NULL;
	char ts[40], nid[33];
	enum ns_rc rc;

	memset(p, 0, sizeof(*p));
	project_new_id(nid);
	if (config_path) {
		if ((rc = project_config_load(config_path, &cfg, err)))
			return rc;
	} else {
		cfg = config_new();
	}
	if ((rc = project_check_empty(dir, err)) != NS_OK) {
		config_free(cfg);
		return rc;
	}
	{
		const char *meta[] = {
			"config", config_source(cfg),
			"created_at", now_iso8601(ts, sizeof(ts)),
			"created_by", PACKAGE_STRING,
			"project_id", nid,
			NULL
		};

		rc = db_create(dir, meta, group, &p->db, err);
	}
	if (rc != NS_OK) {
		config_free(cfg);
		memset(p, 0, sizeof(*p));
		return rc;
	}
	p->cfg = cfg;
	p->dir = dir;
	return NS_OK;
}

enum ns_rc
project_set_config(struct project *p, const char *path, struct ns_err *err)
{
	struct config *cfg = NULL;
	enum ns_rc rc;

	if ((rc = project_config_load(path, &cfg, err)))
		return rc;
	if ((rc = db_begin(p->db, err)) == NS_OK &&
	    (rc = db_meta_set(p->db, "config", config_source(cfg), err)) ==
		    NS_OK)
		rc = db_commit(p->db, err);
	if (rc != NS_OK) {
		db_rollback(p->db);
		config_free(cfg);
		return rc;
	}
	config_free(p->cfg);
	p->cfg = cfg;
	return NS_OK;
}

void
project_close(struct project *p)
{
	db_close(p->db);
	config_free(p->cfg);
	memset(p, 0, sizeof(*p));
}
