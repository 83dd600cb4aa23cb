/*
 * main.c - the negsieve command line: dispatch to subcommands.
 */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "src/blasinfo.h"
#include "src/cmd.h"
#include "src/gemm.h"
#include "src/ompenv.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
#define CMD_ROW(name, fn, summary) { #name, fn, summary },
	CMD_LIST(CMD_ROW)
#undef CMD_ROW
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: negsieve [--help] [--version] COMMAND [ARGS...]\n"
		"\n"
		"Curate the hard negatives of retriever and reranker "
		"training data.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(fp,
		"\n"
		"'negsieve COMMAND --help' (or 'negsieve help COMMAND') shows "
		"a command's\noptions; see negsieve(1).\n");
}

static const struct command *
command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* negsieve help [COMMAND]: the general usage, or exactly what
 * 'negsieve COMMAND --help' prints (the command itself prints it, so
 * the two cannot drift apart). */
static int
help(int argc, char **argv)
{
	const struct command *c;
	char *hargv[3];

	if (argc == 2) {
		usage(stdout);
		return NS_OK;
	}
	if (argc > 3) {
		fprintf(stderr, "negsieve: help: expected at most one "
			"COMMAND\nTry 'negsieve --help'.\n");
		return NS_EUSAGE;
	}
	if (!(c = command_find(argv[2]))) {
		fprintf(stderr, "negsieve: help: unknown command '%s'\n"
			"Try 'negsieve --help'.\n", argv[2]);
		return NS_EUSAGE;
	}
	hargv[0] = argv[2];
	hargv[1] = (char *)"--help";
	hargv[2] = NULL;
	return c->fn(2, hargv);
}

int
cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "negsieve: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'negsieve %s --help'.\n", cmd);
	return NS_EUSAGE;
}

int
cmd_options(const struct opt_cmd *cmd, int argc, char **argv,
	    void *settings, struct opt_state *st)
{
	struct ns_err err;
	enum ns_rc rc;

	err_clear(&err);
	rc = opt_parse(cmd, argc, argv, settings, st, &err);
	if (rc == NS_EUSAGE)
		return cmd_usage_error(cmd->name, "%s", err.msg);
	return rc == NS_OK ? NS_OK : cmd_fail(&err);
}

int
cmd_fail(const struct ns_err *err)
{
	err_print(err);
	return err->rc == NS_OK ? NS_EINTERNAL : (int)err->rc;
}

/*
 * What every command printed reached its standard output, as coreutils'
 * close_stdout() checks: a failed write (a full disk, /dev/full, a file
 * system that reports at close) ends in "write error" and status 4, so
 * `negsieve init --example-config > negsieve.yaml` on a full disk does
 * not leave a cut file behind a status 0.  stdout is line buffered: a
 * write failed on the way leaves the stream's error flag (its errno is
 * gone by now, unless the last flush fails again); fclose() writes what
 * is left.  A stdout closed by the caller (>&-) that nothing was written
 * to is no error.  @rc is the command's status, kept when it failed.
 */
static int
close_stdout(int rc)
{
	bool failed = ferror(stdout) != 0;
	bool pending = __fpending(stdout) != 0;
	int e = 0;

	errno = 0;
	if (fclose(stdout) != 0) {
		e = errno;
		failed |= pending || e != EBADF;
	}
	if (!failed)
		return rc;
	if (e && e != EBADF)
		fprintf(stderr, "negsieve: standard output: write error: "
			"%s\n", strerror(e));
	else
		fprintf(stderr, "negsieve: standard output: write error\n");
	return rc == NS_OK ? NS_EIO : rc;
}

static int
run(int argc, char **argv)
{
	const struct command *c;

	setlocale(LC_ALL, "");
	if (argc < 2) {
		usage(stderr);
		return NS_EUSAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return NS_OK;
	}
	if (!strcmp(argv[1], "help"))
		return help(argc, argv);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s\nBLAS: %s\n", PACKAGE_STRING, blasinfo_name());
		printf("OpenMP: OMP_WAIT_POLICY=%s, OMP_NUM_THREADS=%s\n",
		       getenv("OMP_WAIT_POLICY") ? getenv("OMP_WAIT_POLICY") :
						   "default",
		       getenv("OMP_NUM_THREADS") ? getenv("OMP_NUM_THREADS") :
						   "default");
		{
			struct gemm_probe pb;
			struct ns_err err;
			char line[600];

			err_clear(&err);
			if (gemm_best(false, &pb, &err) == NS_OK)
				printf("GEMM: %s\n", gemm_probe_describe(
					       &pb, line, sizeof(line)));
			else
				printf("GEMM: %s\n", err.msg);
		}
		return NS_OK;
	}
	if ((c = command_find(argv[1])))
		return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "negsieve: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return NS_EUSAGE;
}

int
main(int argc, char **argv)
{
	ompenv_reexec(argc, argv);
	/*
	 * Standard output line by line, to a file or a pipe too (stdio
	 * buffers it whole there): what a long command reports (mine's
	 * index and search lines, import's line per input) reaches a log
	 * as it is printed, so a command ended by SIGTERM, Ctrl-C or even
	 * kill -9 loses none of it.  A signal handler cannot flush stdio
	 * instead (fflush() is not async-signal-safe: the interrupted code
	 * may hold the stream's lock or be halfway through its buffer),
	 * and unwinding every long loop to the normal exit on a flag would
	 * not cover kill -9.  The cost, a write per line, is small: the
	 * commands print few lines, and bulk data (export -o -) goes
	 * through outstream's own buffer, not stdio.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return close_stdout(run(argc, argv));
}
