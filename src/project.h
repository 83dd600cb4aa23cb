/*
 * project.h - opening a project: its database and the configuration that
 * was stored in it at init.
 */
#ifndef NS_PROJECT_H
#define NS_PROJECT_H

#include "src/config.h"
#include "db/db.h"
#include "src/err.h"

struct project {
	struct db *db;		/* owned */
	struct config *cfg;	/* owned; defaults when none was given */
	const char *dir;	/* the PROJECT argument (borrowed) */
};

/*
 * Open the existing project at @dir and parse its stored configuration.
 * On success @p owns both (project_close()); on failure @p is zeroed.
 */
enum ns_rc project_open(struct project *p, const char *dir,
			struct ns_err *err);

/* The same over a read-only connection (mining shards: many machines read
 * the project at once and nothing is written to it). */
enum ns_rc project_open_readonly(struct project *p, const char *dir,
				 struct ns_err *err);

/* The same for a reading command: read-write when this user can write
 * the project (an older schema is upgraded), read-only otherwise. */
enum ns_rc project_open_read(struct project *p, const char *dir,
			     struct ns_err *err);

/* For `negsieve config`: project_open() (@write) or project_open_read(),
 * but a stored configuration that fails its checks is no error: @cfg_err
 * gets what is wrong with it (else its rc is NS_OK) and @p->cfg the
 * defaults. */
enum ns_rc project_open_any_config(struct project *p, const char *dir,
				   bool write, struct ns_err *cfg_err,
				   struct ns_err *err);

/* The project's id (meta key "project_id", 32 hex digits, set at init and
 * added by the first read-write open of an older project); caller frees;
 * NULL when a read-only open met a project without one. */
char *project_id(const struct project *p);

/* Create a project at @dir storing the YAML file @config_path (may be
 * NULL).  The config is checked before anything is created, and the
 * project appears whole or not at all (db_create()). */
enum ns_rc project_init(struct project *p, const char *dir,
			const char *config_path, struct ns_err *err);

/* The same, and with @group (NULL: none) the project directory belongs to
 * that group, setgid and group-writable, and so does every file made in it
 * (src/perm.h). */
enum ns_rc project_init_group(struct project *p, const char *dir,
			      const char *config_path, const char *group,
			      struct ns_err *err);

/*
 * The checks of a configuration beyond its keys and values: the cascade's
 * stages together (cascade_from_config()) and review.keys' keys and
 * actions (keymap_configure()), each error at its file:line:col.
 * negsieve config shows with it why a stored configuration would be
 * refused.
 */
enum ns_rc project_config_check(const struct config *cfg,
				struct ns_err *err);

/* config_load() of the YAML file @path, then project_config_check(): the
 * one way init, config and simulate --config read a file.  On failure
 * *@out is untouched. */
enum ns_rc project_config_load(const char *path, struct config **out,
			       struct ns_err *err);

/*
 * Replace the configuration of the open project @p with the YAML file at
 * @path, checked first (keys, types, and the cascade's stages): on
 * failure nothing changes.  p->cfg is the new one on success.
 */
enum ns_rc project_set_config(struct project *p, const char *path,
			      struct ns_err *err);

void project_close(struct project *p);

#endif
