/*
 * project.h - opening a project: its database and the configuration that
 * was stored in it at init.
 */
#ifndef NS_PROJECT_H
#define NS_PROJECT_H

#include "config.h"
#include "db.h"
#include "err.h"

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

/* Create a project at @dir storing the YAML file @config_path (may be
 * NULL).  The config is checked before anything is created. */
enum ns_rc project_init(struct project *p, const char *dir,
			const char *config_path, struct ns_err *err);

void project_close(struct project *p);

#endif
