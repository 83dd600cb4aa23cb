/*
 * cmd.h - the subcommands.  Each lives in src/cmd_NAME.c (ui/ for the
 * review TUI), takes the arguments after its name (argv[0] is the
 * subcommand name) and returns an exit status (an enum ns_rc value).
 */
#ifndef NS_CMD_H
#define NS_CMD_H

#include "src/err.h"
#include "src/opt.h"

/* X(name, function, one-line summary for --help) */
#define CMD_LIST(X) \
	X(init,   cmd_init,   "create a project, optionally with a YAML config") \
	X(config, cmd_config, "show a project's configuration, or replace it with a checked YAML file") \
	X(import, cmd_import, "read training data (BEIR, BGE, Tevatron, sentence-transformers, TREC)") \
	X(embed,  cmd_embed,  "compute or import vectors for queries and passages") \
	X(mine,   cmd_mine,   "find candidate negatives (faiss or BM25), filter and sample them") \
	X(merge,  cmd_merge,  "bring the shard files of a sharded mining job into the project") \
	X(cascade, cmd_cascade, "run the cascade's stages: keep, flag or send each candidate to people") \
	X(fit,    cmd_fit,    "refit the cascade's thresholds and P(FN) from the decisions") \
	X(review, cmd_review, "the review TUI: decide on each query's mined negatives") \
	X(queue,  cmd_queue,  "list the review queues with their sizes and each annotator's progress") \
	X(stats,  cmd_stats,  "print counts of queries, passages, positives, candidates, decisions") \
	X(simulate, cmd_simulate, "replay review and the cascade with an oracle: contamination per human budget") \
	X(export, cmd_export, "write the cleaned data (BGE, Tevatron, sentence-transformers) or qrels") \
	/* end of CMD_LIST: every row above ends with a backslash */

#define CMD_DECL(name, fn, summary) int fn(int argc, char **argv);
CMD_LIST(CMD_DECL)
#undef CMD_DECL

/*
 * Parse the options of @cmd (src/opt.h) in @argv into @settings, which
 * the caller zeroed; prints --help, and usage errors with the hint to
 * --help.  NS_OK to go on (after --help, @st->help is set and the
 * command returns NS_OK too), else the exit status:
 *
 *	if ((rc = cmd_options(&mine_cmd, argc, argv, &s, &st)) || st.help)
 *		return rc;
 */
int cmd_options(const struct opt_cmd *cmd, int argc, char **argv,
		void *settings, struct opt_state *st);

/* Print "negsieve: CMD: message" and a hint to --help; returns NS_EUSAGE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report @err on stderr and return its code as an exit status. */
int cmd_fail(const struct ns_err *err);

#endif
