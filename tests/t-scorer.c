/*
 * t-scorer.c - the cascade's external scorers against local stand-ins: a
 * command (tests/fake-scorer.py: good answers, a crash, a malformed line,
 * a hang past the timeout, a skipped answer, huge and non-ASCII texts, a
 * large batch) and an OpenAI-compatible chat server
 * (tests/fake-chat-server.py on 127.0.0.1: verdicts in several formats,
 * 500s, 429 with Retry-After, malformed JSON, timeouts, token usage), and
 * the judge's prompt and verdict parser on their own.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "src/config.h"
#include "src/judge.h"
#include "src/scorer.h"
#include "src/util.h"
#include "tests/tap.h"

extern char **environ;

static char fake_scorer[1024], fake_server[1024];
static char base_url[128] = "http://127.0.0.1:9";
static const char *python = "python3";

static struct config *
cfg_of(const char *yaml)
{
	struct config *cfg = NULL;
	struct ns_err err;

	err_clear(&err);
	if (config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err) != NS_OK) {
		char buf[1200];

		diag("bad test config: %s", err_format(&err, buf,
						       sizeof(buf)));
		exit(99);
	}
	return cfg;
}

/* A scorer for stage 0 of @yaml; NULL (and @err set) on failure. */
static struct scorer *
mk(const char *yaml, struct db *db, struct ns_err *err)
{
	struct config *cfg = cfg_of(yaml);
	struct scorer *s = NULL;

	err_clear(err);
	if (scorer_new(cfg, 0, db, &s, err) != NS_OK)
		s = NULL;
	config_free(cfg);
	return s;
}

/* scorer_new() of @yaml must fail with @rc and the message @want. */
static void
bad_new(const char *yaml, enum ns_rc rc, const char *want, const char *name)
{
	struct ns_err err;
	struct scorer *s = mk(yaml, NULL, &err);
	char buf[1200];

	ok(s == NULL && err.rc == rc, "%s: refused", name);
	is_str(err_format(&err, buf, sizeof(buf)), want, name);
	scorer_free(s);
}

/* @yaml must be refused by the config parser with @want. */
static void
bad_cfg(const char *yaml, const char *want, const char *name)
{
	struct config *cfg = NULL;
	struct ns_err err;
	char buf[1200];

	err_clear(&err);
	ok(config_parse(yaml, strlen(yaml), "t.yaml", &cfg, &err) ==
	   NS_ECONFIG, "%s: refused", name);
	is_str(err_format(&err, buf, sizeof(buf)), want, name);
	config_free(cfg);
}

/* Requests: candidate texts @texts[0..n), one query and one positive. */
struct batch {
	struct scorer_req *req;
	struct scorer_res *res;
	char (*pxid)[32];
	size_t n;
};

static const char *const one_pos[] = { "the positive text" };
static const char *const one_pos_id[] = { "pos1" };

static void
batch_init(struct batch *b, const char *const *texts, size_t n)
{
	b->n = n;
	b->req = xcalloc(n, sizeof(*b->req));
	b->res = xcalloc(n, sizeof(*b->res));
	b->pxid = xcalloc(n, sizeof(*b->pxid));
	for (size_t i = 0; i < n; i++) {
		struct scorer_req *r = &b->req[i];

		snprintf(b->pxid[i], sizeof(b->pxid[i]), "p%zu", i);
		r->query_id = 1;
		r->passage_id = (int64_t)i + 10;
		r->query_xid = "q1";
		r->passage_xid = b->pxid[i];
		r->query = "what is a hard negative?";
		r->pos = one_pos;
		r->pos_xid = one_pos_id;
		r->npos = 1;
		r->title = "";
		r->text = texts[i];
		r->retriever_score = 0.5 + (double)i;
	}
}

static void
batch_fini(struct batch *b)
{
	scorer_res_fini(b->res, b->n);
	free(b->req);
	free(b->res);
	free(b->pxid);
}

static enum ns_rc
run(struct scorer *s, struct batch *b)
{
	struct ns_err err;
	enum ns_rc rc;
	char buf[1200];

	scorer_res_fini(b->res, b->n);
	err_clear(&err);
	rc = scorer_run(s, b->req, b->n, b->res, NULL, &err);
	if (rc != NS_OK)
		diag("scorer_run: %s", err_format(&err, buf, sizeof(buf)));
	return rc;
}

/* Does @hay contain @needle?  (with a diagnostic when not) */
static bool
has(const char *hay, const char *needle, const char *name)
{
	bool c = hay && strstr(hay, needle) != NULL;

	if (!ok(c, "%s", name))
		diag("'%s' does not contain '%s'", hay ? hay : "(null)",
		     needle);
	return c;
}

/* An integer field "key": N of a raw JSON answer, or -1. */
static long long
field(const char *raw, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = raw ? strstr(raw, pat) : NULL;
	return p ? atoll(p + strlen(pat)) : -1;
}

/* Is process @pid gone (or a zombie)? */
static bool
gone(pid_t pid)
{
	char path[64], buf[512], *rp;
	FILE *fp;
	size_t k;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "r");
	if (!fp)
		return true;
	k = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[k] = '\0';
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] == 'Z';
}

static char *
cmd_yaml(const char *mode, const char *extra)
{
	return xasprintf("cascade:\n  stages:\n    - scorer: command\n"
			 "      command: ['%s', '%s', %s]\n%s",
			 python, fake_scorer, mode, extra ? extra : "");
}

/* --- the command ----------------------------------------------------------- */

static void
test_cmd_config(void)
{
	bad_new("cascade:\n  stages:\n    - scorer: command\n", NS_ECONFIG,
		"t.yaml:3:7: cascade.stages.0.command: not set: a list of the "
		"program and its arguments, e.g. [python3, score.py]",
		"no command, at the stage");
	bad_new("cascade:\n  stages:\n    - scorer: command\n      command: "
		"[ns-no-such-program-x]\n", NS_ECONFIG,
		"t.yaml:4:17: cascade.stages.0.command: 'ns-no-such-program-x' "
		"not found in PATH", "command not in PATH, at the program");
	bad_new("cascade:\n  stages:\n    - scorer: command\n      command: "
		"[/nonexistent/score]\n", NS_ECONFIG,
		"t.yaml:4:17: cascade.stages.0.command: cannot run "
		"'/nonexistent/score': No such file or directory",
		"command path missing");
	bad_new("cascade:\n  stages:\n    - scorer: command\n      command: "
		"[/tmp]\n", NS_ECONFIG,
		"t.yaml:4:17: cascade.stages.0.command: '/tmp' is a directory",
		"command is a directory");
	bad_new("cascade:\n  stages:\n    - scorer: command\n      command: "
		"['']\n", NS_ECONFIG,
		"t.yaml:4:17: cascade.stages.0.command: the program name is "
		"empty", "empty program name");
	bad_cfg("cascade:\n  stages:\n    - scorer: command\n      timeout: 0\n",
		"t.yaml:4:16: cascade.stages.0.timeout: expected a number > 0, "
		"got '0'", "timeout 0");
	bad_cfg("cascade:\n  stages:\n    - scorer: command\n      restarts: "
		"-1\n", "t.yaml:4:17: cascade.stages.0.restarts: expected an "
		"integer in 0..1000, got '-1'", "negative restarts");
	bad_new("cascade:\n  stages:\n    - scorer: gap\n", NS_ECONFIG,
		"t.yaml:3:15: cascade.stages.0.scorer: 'gap' is not an "
		"external scorer (command or judge)", "not an external scorer");
	bad_new("cascade:\n  stages:\n    - name: x\n", NS_ECONFIG,
		"t.yaml:3:7: cascade.stages.0.scorer: not set (command or "
		"judge)", "no scorer, at the stage");
}

static void
test_cmd_ok(void)
{
	static const char *const texts[] = {
		"short", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
		"line\nbreak \"quoted\" \\ tab\t", "",
	};
	struct batch b;
	struct ns_err err;
	struct scorer *s;
	char *y, pwned[300], arg[1200], buf[1200];
	const struct scorer_stats *st;

	snprintf(pwned, sizeof(pwned), "%s/pwned", tap_tmpdir());
	/* ; $() `` and spaces must reach the program as one argument */
	snprintf(arg, sizeof(arg), "'a; touch %s $(touch %s) `touch %s` b'",
		 pwned, pwned, pwned);
	y = xasprintf("cascade:\n  stages:\n    - scorer: command\n"
		      "      name: ce\n"
		      "      command: ['%s', '%s', stream, %s, '']\n",
		      python, fake_scorer, arg);
	s = mk(y, NULL, &err);
	free(y);
	if (!ok(s != NULL, "command scorer made")) {
		diag("%s", err.msg);
		return;
	}
	is_str(scorer_name(s), "ce", "stage name");
	batch_init(&b, texts, 4);
	b.req[1].query = "\xc2\xbfqu\xc3\xa9 es? \xe2\x80\x94 \xd0\xb4\xd0\xb0";
	b.req[1].title = "T\xc3\xaftle";
	b.req[2].retriever_score = NAN;
	b.req[3].npos = 0;
	is_int(run(s, &b), NS_OK, "run");
	for (size_t i = 0; i < 4; i++)
		if (!ok(b.res[i].ok, "item %zu scored", i))
			diag("%s", b.res[i].msg);
	is_dbl(b.res[0].score, 0.05, 1e-12, "score from the answer");
	is_dbl(b.res[1].score, 0.09, 1e-12, "non-ASCII: 9 characters");
	is_int(field(b.res[1].raw, "bytes"), (long long)strlen(texts[1]),
	       "non-ASCII text arrives byte for byte");
	has(b.res[1].raw, "\"query\": \"\xc2\xbfqu\xc3\xa9 es? \xe2\x80\x94 "
	    "\xd0\xb4\xd0\xb0\"", "non-ASCII query verbatim");
	has(b.res[1].raw, "\"title\": \"T\xc3\xaftle\"", "title sent");
	is_int(field(b.res[2].raw, "chars"), (long long)strlen(texts[2]),
	       "newlines, quotes, backslashes, tabs survive");
	has(b.res[2].raw, "\"rs\": null", "unknown retriever score is null");
	has(b.res[0].raw, "\"rs\": 0.5", "retriever score sent");
	has(b.res[0].raw, "\"npos\": 1, \"pos0\": \"pos1\"", "positives sent");
	has(b.res[3].raw, "\"npos\": 0", "no positives: empty list");
	is_int(field(b.res[0].raw, "seq"), 0, "seq 0");
	is_int(field(b.res[3].raw, "seq"), 3, "seq 3");
	snprintf(buf, sizeof(buf), "\"argv\": [\"a; touch %s $(touch %s) "
		 "`touch %s` b\", \"\"]", pwned, pwned, pwned);
	has(b.res[0].raw, buf, "arguments arrive verbatim, no shell");
	ok(access(pwned, F_OK) != 0, "nothing ran through a shell");

	st = scorer_stats(s);
	is_int(st->requests, 4, "4 requests counted");
	is_int(st->failed, 0, "none failed");
	is_str(scorer_log(s), "", "nothing in the log");
	ok(scorer_input_hash(s, &b.req[0]) == scorer_input_hash(s, &b.req[0]),
	   "input hash stable");
	ok(scorer_input_hash(s, &b.req[0]) != scorer_input_hash(s, &b.req[1]),
	   "input hash depends on the texts");
	is_str(scorer_stats_format(s, buf, sizeof(buf)),
	       buf[0] ? buf : "", "stats line");
	has(buf, "the command started once, ", "stats line: one start");

	/* a text that is not UTF-8 (the caller broke the contract): that
	 * item fails, the others are scored and stay in step */
	{
		struct batch bb;
		static const char *const bad[] = { "a", "caf\xc3(", "ccc" };

		batch_init(&bb, bad, 3);
		is_int(run(s, &bb), NS_OK, "invalid UTF-8: the run returns");
		is_str(bb.res[1].msg, "passage p1 of query q1: cannot encode "
		       "the request (text is not valid UTF-8)",
		       "the invalid item is named");
		ok(bb.res[0].ok && bb.res[2].ok &&
		   fabs(bb.res[2].score - 0.03) < 1e-12,
		   "the others are scored, in step");
		batch_fini(&bb);
	}

	/* the same requests to another command line hash differently */
	{
		struct scorer *s2;
		char *y2 = cmd_yaml("echo", NULL);

		s2 = mk(y2, NULL, &err);
		free(y2);
		ok(s2 && scorer_input_hash(s, &b.req[0]) !=
		   scorer_input_hash(s2, &b.req[0]),
		   "input hash depends on the command line");
		scorer_free(s2);
	}

	/* the next batch goes to the same process, "seq" goes on */
	{
		long long pid = field(b.res[3].raw, "pid");

		is_int(run(s, &b), NS_OK, "second batch");
		is_int(field(b.res[0].raw, "pid"), pid,
		       "the same process answers the next batch");
		is_int(field(b.res[0].raw, "seq"), 6, "seq goes on: 6");
		is_int(field(b.res[3].raw, "seq"), 9, "seq goes on: 9");
		is_dbl(b.res[2].score, 0.26, 1e-12, "second batch scored");
		is_int(scorer_stats(s)->requests, 10, "10 requests counted "
		       "(the invalid item was not sent)");
	}
	batch_fini(&b);
	scorer_free(s);
}

static void
test_cmd_failures(void)
{
	static const char *const texts[] = {
		"good0", "CRASH", "good2", "MALFORMED", "good4", "REFUSE",
		"good6", "NOSCORE", "SKIP", "good9", "BADSEQ", "HANG",
		"good12",
	};
	struct batch b;
	struct ns_err err;
	struct scorer *s;
	char *y = cmd_yaml("stream", "      timeout: 2\n");
	const char *log;

	s = mk(y, NULL, &err);
	free(y);
	if (!ok(s != NULL, "command scorer made"))
		return;
	batch_init(&b, texts, NS_ARRAY_SIZE(texts));
	is_int(run(s, &b), NS_OK, "a batch with failures runs");
	for (size_t i = 0; i < b.n; i++)
		if (texts[i][0] == 'g')
			if (!ok(b.res[i].ok && fabs(b.res[i].score - 0.05 -
						    (i >= 10 ? 0.01 : 0)) <
				1e-12, "good item %zu scored", i))
				diag("%s", b.res[i].msg);
	ok(!b.res[1].ok, "crash: no score");
	is_str(b.res[1].msg, "passage p1 of query q1: the command exited with "
	       "status 3 before answering (stderr: boom on p1)",
	       "crash message names the candidate, status and stderr");
	ok(field(b.res[0].raw, "pid") != field(b.res[2].raw, "pid"),
	   "restarted after the crash");
	is_str(b.res[3].msg, "passage p3 of query q1: malformed answer "
	       "(column 4: invalid token near 'this'): 'this is not json'",
	       "malformed line");
	ok(b.res[3].raw == NULL, "malformed: nothing kept");
	ok(field(b.res[2].raw, "pid") == field(b.res[4].raw, "pid"),
	   "no restart after a malformed line");
	is_str(b.res[5].msg, "passage p5 of query q1: the command could not "
	       "score it: too long for me", "refusal with the command's "
	       "reason");
	is_str(b.res[7].msg, "passage p7 of query q1: malformed answer: no "
	       "\"score\": '{\"label\": \"x\"}'", "answer without a score");
	is_str(b.res[8].msg, "passage p8 of query q1: no answer (the command "
	       "answered seq 9 next)", "a skipped answer");
	is_str(b.res[10].msg, "passage p10 of query q1: malformed answer: "
	       "\"seq\" 999999, expected 10", "a wrong seq");
	is_str(b.res[11].msg, "passage p11 of query q1: no answer within 2 s "
	       "(the command was stopped)", "a hang past the timeout");
	ok(field(b.res[9].raw, "pid") != field(b.res[12].raw, "pid"),
	   "restarted after the timeout");
	is_int(scorer_stats(s)->failed, 7, "7 failed");
	is_int(scorer_stats(s)->requests, 13 + 11 + 1,
	       "requests: 13, then 11 resent after the crash, 1 after the "
	       "hang");
	is_int(scorer_stats(s)->starts, 3, "started 3 times: at first, "
	       "after the crash, after the hang");
	log = scorer_log(s);
	has(log, "boom on p1\n", "stderr kept in the log");
	has(log, "negsieve: restarting the command: the command exited with "
	    "status 3", "restart noted");
	batch_fini(&b);
	scorer_free(s);
}

static void
test_cmd_gives_up(void)
{
	static const char *const texts[] = { "a", "b", "c", "d", "e" };
	struct batch b;
	struct ns_err err;
	struct scorer *s;
	char *y = cmd_yaml("die", "      restarts: 2\n");

	s = mk(y, NULL, &err);
	free(y);
	if (!ok(s != NULL, "dying command made"))
		return;
	batch_init(&b, texts, 5);
	scorer_res_fini(b.res, b.n);
	err_clear(&err);
	is_int(scorer_run(s, b.req, b.n, b.res, NULL, &err), NS_EIO,
	       "a command that never answers cannot run");
	is_str(err.msg, "cascade.stages.0.command: failed 3 times in a row "
	       "without answering: the command exited with status 1 before "
	       "answering (stderr: cannot load model)", "why it cannot run");
	is_str(b.res[0].msg, "passage p0 of query q1: the command exited with "
	       "status 1 before answering (stderr: cannot load model)",
	       "first failure");
	is_str(b.res[2].msg, "passage p2 of query q1: the command exited with "
	       "status 1 before answering (stderr: cannot load model)",
	       "third failure (second restart)");
	is_str(b.res[3].msg, "passage p3 of query q1: not scored: the command "
	       "failed 3 times in a row (last: the command exited with status "
	       "1 before answering (stderr: cannot load model))",
	       "given up after restarts + 1 failures");
	ok(!b.res[4].ok && strstr(b.res[4].msg, "p4 of") != NULL,
	   "the rest given up, each named");
	is_int(scorer_stats(s)->failed, 5, "all 5 failed");
	has(scorer_log(s), "negsieve: gave up after 3 failures in a row",
	    "giving up noted");
	{
		char buf[256];

		/* starts, not the requests written ahead to each start */
		has(scorer_stats_format(s, buf, sizeof(buf)), "the command "
		    "started 3 times (2 restarts), ", "stats line: starts "
		    "and restarts");
	}
	batch_fini(&b);
	scorer_free(s);

	/* a command that never reads: the writer must not block forever */
	y = cmd_yaml("deaf", "      timeout: 0.5\n      start_timeout: 1\n"
		     "      restarts: 0\n");
	s = mk(y, NULL, &err);
	free(y);
	{
		size_t n = 64;
		char *big = xmalloc(1 << 20);
		const char **t = xcalloc(n, sizeof(*t));

		memset(big, 'x', (1 << 20) - 1);
		big[(1 << 20) - 1] = '\0';
		for (size_t i = 0; i < n; i++)
			t[i] = big;
		batch_init(&b, t, n);
		err_clear(&err);
		is_int(scorer_run(s, b.req, b.n, b.res, NULL, &err), NS_EIO,
		       "deaf command with 64 MiB of requests: the run "
		       "returns");
		is_str(b.res[0].msg, "passage p0 of query q1: no answer within "
		       "1 s (the command was stopped)", "deaf: timeout");
		has(b.res[1].msg, "not scored: the command failed 1 times in "
		    "a row", "deaf: the rest given up (restarts: 0)");
		batch_fini(&b);
		free(t);
		free(big);
	}
	scorer_free(s);

	/* extra output is dropped; a command that exits between batches is
	 * started again */
	{
		static const char *const t1[] = { "a", "EXTRA", "EXIT" };
		static const char *const t2[] = { "bb", "ccc" };
		struct batch b2;
		long long pid;

		y = cmd_yaml("stream", NULL);
		s = mk(y, NULL, &err);
		free(y);
		batch_init(&b, t1, 2);
		is_int(run(s, &b), NS_OK, "a batch ending in extra output");
		ok(b.res[0].ok && b.res[1].ok, "its answers kept");
		pid = field(b.res[1].raw, "pid");
		batch_init(&b2, t2, 2);
		is_int(run(s, &b2), NS_OK, "the next batch");
		ok(b2.res[0].ok && b2.res[1].ok &&
		   fabs(b2.res[0].score - 0.02) < 1e-12 &&
		   fabs(b2.res[1].score - 0.03) < 1e-12,
		   "the next batch's answers are its own");
		is_int(field(b2.res[0].raw, "pid"), pid, "same process");
		has(scorer_log(s), "negsieve: ignored an output line no "
		    "request was waiting for: 'one line too many'",
		    "extra line noted");
		batch_fini(&b);
		batch_init(&b, t1 + 2, 1);
		is_int(run(s, &b), NS_OK, "a batch after which it exits");
		ok(b.res[0].ok, "answered before exiting");
		for (int i = 0; i < 200 && !gone((pid_t)pid); i++)
			usleep(50000);
		is_int(run(s, &b2), NS_OK, "the batch after it exited");
		ok(b2.res[0].ok && b2.res[1].ok, "answered by a new process");
		ok(field(b2.res[0].raw, "pid") != pid, "a new process");
		has(scorer_log(s), "negsieve: between batches, the command "
		    "exited with status 5; starting it again", "exit noted");
		is_int(scorer_stats(s)->failed, 0, "nothing failed");
		batch_fini(&b);
		batch_fini(&b2);
		scorer_free(s);
	}
}

/* The command does not outlive negsieve. */
static void
test_cmd_orphan(void)
{
	char pidfile[600], *y;
	pid_t child, cmd = 0;
	FILE *fp;
	int i;

	snprintf(pidfile, sizeof(pidfile), "%s/cmd.pid", tap_tmpdir());
	y = xasprintf("cascade:\n  stages:\n    - scorer: command\n"
		      "      command: ['%s', '%s', pidfile, '%s']\n", python,
		      fake_scorer, pidfile);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		static const char *const t[] = { "x" };
		struct ns_err err;
		struct scorer *s = mk(y, NULL, &err);
		struct batch b;

		batch_init(&b, t, 1);
		if (s)
			scorer_run(s, b.req, 1, b.res, NULL, &err);
		_exit(0);
	}
	for (i = 0; i < 400 && access(pidfile, F_OK) != 0; i++)
		usleep(50000);
	fp = fopen(pidfile, "r");
	if (!ok(fp && fscanf(fp, "%d", &cmd) == 1, "command started")) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		free(y);
		return;
	}
	fclose(fp);
	kill(child, SIGKILL);	/* negsieve dies mid-run */
	waitpid(child, NULL, 0);
	for (i = 0; i < 200 && !gone(cmd); i++)
		usleep(50000);
	ok(gone(cmd), "the command died with the process that ran it");
	if (!gone(cmd))
		kill(cmd, SIGKILL);
	free(y);
}

static void
test_cmd_big(void)
{
	struct batch b;
	struct ns_err err;
	struct scorer *s;
	char *y = cmd_yaml("echo", NULL);
	size_t n = 3000, hn = 6 << 20, bad = 0;
	char *huge, *mid;
	const char **t;

	s = mk(y, NULL, &err);
	free(y);
	if (!ok(s != NULL, "echo command made"))
		return;
	/* a 6 MiB text with newlines and 4-byte characters */
	huge = xmalloc(hn + 1);
	for (size_t i = 0; i < hn; i += 8)
		memcpy(huge + i, i % 4096 == 0 ? "\n\xf0\x9f\x98\x80xyz" :
		       "abcdefg ", 8);
	huge[hn] = '\0';
	mid = xmalloc(3001);
	memset(mid, 'm', 3000);
	mid[3000] = '\0';
	t = xcalloc(n, sizeof(*t));
	for (size_t i = 0; i < n; i++)
		t[i] = i == 1500 ? huge : i == 2000 ? "LONGANSWER" : mid;
	batch_init(&b, t, n);
	/* 3000 requests of 3 KB and one of 6 MiB, each echoed back: ~15 MB
	 * each way through 64 KiB pipes */
	is_int(run(s, &b), NS_OK, "large batch runs (no deadlock)");
	for (size_t i = 0; i < n; i++)
		if (i != 2000 && (!b.res[i].ok || (i != 1500 &&
						    !strstr(b.res[i].raw, mid))))
			bad++;
	is_int((long long)bad, 0, "every answer back, texts echoed");
	is_int(field(b.res[1500].raw, "bytes"), (long long)hn,
	       "huge text: every byte arrived");
	is_int(field(b.res[1500].raw, "chars"),
	       (long long)(hn - 3 * (hn / 4096)), "huge text: characters");
	is_str(b.res[2000].msg, "passage p2000 of query q1: malformed answer: "
	       "longer than 1048576 bytes", "an answer line over 1 MiB");
	ok(b.res[2001].ok && b.res[1999].ok, "the answers around it kept");
	batch_fini(&b);
	free(t);
	free(mid);
	free(huge);
	scorer_free(s);
}

/* --- the judge's words --------------------------------------------------- */

static void
verdict(const char *answer, double want, const char *name)
{
	double got = -1;
	char why[160] = "";

	if (!ok(judge_verdict(answer, &got, why, sizeof(why)) &&
		fabs(got - want) < 1e-12, "verdict: %s", name))
		diag("got %g (%s)", got, why);
}

static void
no_verdict(const char *answer, const char *want, const char *name)
{
	double got = -1;
	char why[160] = "";

	ok(!judge_verdict(answer, &got, why, sizeof(why)), "no verdict: %s",
	   name);
	is_str(why, want, name);
}

static void
test_words(void)
{
	struct judge_prompt *p = NULL;
	struct ns_err err;
	struct strbuf sb;
	struct scorer_req r;
	static const char *const pos[] = { "first positive", "second" };
	char buf[1200];

	verdict("{\"relevant\": true, \"confidence\": 0.9}", 0.9, "json true");
	verdict("{\"relevant\": false, \"confidence\": 0.8}", 0.2,
		"json false: 1 - confidence");
	verdict("{\"relevant\": true}", 1, "no confidence: 1");
	verdict("Sure.\n```json\n{\"relevant\": \"yes\", \"confidence\": "
		"\"75%\"}\n```\nHope this helps.", 0.75, "fenced, strings");
	verdict("{\"relevant\": 0, \"confidence\": 70}", 0.3,
		"0/1 and a percentage");
	verdict("<think>{\"relevant\": false} or not?</think> {\"relevant\": "
		"true, \"confidence\": 0.6}", 0.6, "reasoning skipped");
	verdict("The answer: {\"verdict\": {\"relevant\": \"Not relevant\"}}",
		0, "nested object");
	verdict("Yes, it answers the query.", 1, "yes");
	verdict("  **No.** It does not.", 0, "no with markdown");
	verdict("\"TRUE\"", 1, "quoted TRUE");
	verdict("Not relevant: different topic", 0, "not relevant");
	verdict("irrelevant", 0, "irrelevant");
	no_verdict("Nobody knows.", "no verdict (expected {\"relevant\": "
		   "true|false, ...} or an answer starting with yes or no)",
		   "'Nobody' is not 'no'");
	no_verdict("{\"relevant\": \"maybe\"}", "\"relevant\" is neither true "
		   "nor false", "maybe");
	no_verdict("{\"relevant\": true, \"confidence\": 1.5e3}",
		   "\"confidence\" is not a number from 0 to 1",
		   "confidence out of range");
	no_verdict("<think>yes, relevant", "unfinished reasoning (<think> "
		   "without </think>)", "unfinished reasoning");
	no_verdict("", "no verdict (expected {\"relevant\": true|false, ...} "
		   "or an answer starting with yes or no)", "empty answer");

	err_clear(&err);
	ok(judge_prompt_parse(judge_prompt_default(), "built-in", &p, &err) ==
	   NS_OK, "the built-in prompt parses");
	judge_prompt_free(p);
	p = NULL;
	ok(judge_prompt_parse("Q: {{query}}\nis {{ qeury }} ok?", "p.txt", &p,
			      &err) == NS_ECONFIG, "unknown placeholder");
	is_str(err_format(&err, buf, sizeof(buf)), "p.txt:2:4: unknown "
	       "placeholder '{{ qeury }}' (known: {{query}}, {{positives}}, "
	       "{{candidate}}, {{title}}, {{text}})", "its position");
	ok(judge_prompt_parse("\xc3\xa9{{query}} {{text", "p.txt", &p, &err) ==
	   NS_ECONFIG, "unclosed placeholder");
	is_str(err_format(&err, buf, sizeof(buf)), "p.txt:1:12: '{{' without "
	       "a closing '}}'", "column counts characters");
	ok(judge_prompt_parse("{{query}} only", "p.txt", &p, &err) ==
	   NS_ECONFIG, "no candidate");
	is_str(err.msg, "the prompt never shows the candidate ({{candidate}} "
	       "or {{text}})", "no candidate message");
	ok(judge_prompt_parse("{{text}} only", "p.txt", &p, &err) ==
	   NS_ECONFIG, "no query");
	is_str(err.msg, "the prompt never shows the query ({{query}})",
	       "no query message");

	ok(judge_prompt_parse("Q={{query}}|P={{positives}}|C={{candidate}}|"
			      "T={{title}}|X={{text}}|{not a {placeholder}",
			      "p.txt", &p, &err) == NS_OK, "full template");
	memset(&r, 0, sizeof(r));
	r.query = "q\xc3\xa9";
	r.pos = pos;
	r.npos = 2;
	r.title = "Ti";
	r.text = "h\xc3\xa9llo w\xc3\xb6rld";
	strbuf_init(&sb);
	judge_prompt_render(p, &r, 0, &sb);
	is_str(sb.buf, "Q=q\xc3\xa9|P=[1] first positive\n\n[2] second|"
	       "C=Ti\nh\xc3\xa9llo w\xc3\xb6rld|T=Ti|X=h\xc3\xa9llo "
	       "w\xc3\xb6rld|{not a {placeholder}", "rendered");
	strbuf_reset(&sb);
	r.npos = 0;
	r.title = "";
	judge_prompt_render(p, &r, 3, &sb);
	is_str(sb.buf, "Q=q\xc3\xa9|P=(none given)|C=h\xc3\xa9l [...]|T=|"
	       "X=h\xc3\xa9l [...]|{not a {placeholder}",
	       "cut at 3 characters, not bytes");
	strbuf_fini(&sb);
	judge_prompt_free(p);
}

/* --- the judge against a fake server ------------------------------------ */

static size_t
get_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	strbuf_add(arg, p, size * nmemb);
	return size * nmemb;
}

/* GET @path from the fake server (caller frees). */
static char *
ctl(const char *path)
{
	CURL *h = curl_easy_init();
	struct strbuf sb;
	char *url = xasprintf("%s%s", base_url, path);

	strbuf_init(&sb);
	strbuf_addstr(&sb, "");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, get_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sb);
	curl_easy_perform(h);
	curl_easy_cleanup(h);
	free(url);
	return strbuf_detach(&sb, NULL);
}

static long
ctl_num(const char *path)
{
	char *s = ctl(path);
	long v = atol(s);

	free(s);
	return v;
}

static char *
judge_yaml_m(const char *model, const char *extra)
{
	return xasprintf("cascade:\n  stages:\n    - scorer: judge\n"
			 "      endpoint: %s\n      model: %s\n"
			 "      retries: 2\n      backoff: 0.01\n"
			 "      price_prompt: 0.5\n      price_completion: 2\n"
			 "%s", base_url, model, extra ? extra : "");
}

static char *
judge_yaml(const char *extra)
{
	return judge_yaml_m("m1", extra);
}

/* A judge scorer on @db for model @model. */
static struct scorer *
mk_judge(const char *model, struct db *db)
{
	struct ns_err err;
	char *y = judge_yaml_m(model, NULL);
	struct scorer *s = mk(y, db, &err);

	free(y);
	if (!s)
		diag("%s", err.msg);
	return s;
}

static void
test_judge_config(void)
{
	char *y;

	bad_new("cascade:\n  stages:\n    - scorer: judge\n      model: m\n",
		NS_ECONFIG, "t.yaml:3:7: cascade.stages.0.endpoint: not set: "
		"the URL of an OpenAI-compatible chat endpoint",
		"no endpoint, at the stage");
	bad_new("cascade:\n  stages:\n    - scorer: judge\n      model: m\n"
		"      endpoint: ftp://x\n", NS_ECONFIG,
		"t.yaml:5:17: cascade.stages.0.endpoint: 'ftp://x' is not an "
		"http or https URL", "not http, at the value");
	bad_new("cascade:\n  stages:\n    - scorer: judge\n      endpoint: "
		"http://127.0.0.1:9\n", NS_ECONFIG, "t.yaml:3:7: "
		"cascade.stages.0.model: not set: the model name the endpoint "
		"serves", "no model");
	y = judge_yaml("      prompt: '{{query}} {{text}}'\n"
		       "      prompt_file: p.txt\n");
	bad_new(y, NS_ECONFIG, "t.yaml:3:7: cascade.stages.0.prompt and "
		"cascade.stages.0.prompt_file are both set: keep one",
		"prompt twice, at the stage");
	free(y);
	y = judge_yaml("      prompt_file: /nonexistent/p.txt\n");
	bad_new(y, NS_ECONFIG, "t.yaml:10:20: "
		"cascade.stages.0.prompt_file: cannot read "
		"'/nonexistent/p.txt': No such file or directory",
		"prompt file missing");
	free(y);
	y = judge_yaml("      prompt: \"{{query}}\\n{{candidat}}\"\n");
	bad_new(y, NS_ECONFIG, "cascade.stages.0.prompt:2:1: unknown "
		"placeholder '{{candidat}}' (known: {{query}}, {{positives}}, "
		"{{candidate}}, {{title}}, {{text}})", "inline prompt checked");
	free(y);
	{
		char path[600];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/bad-prompt.txt",
			 tap_tmpdir());
		fp = fopen(path, "w");
		fputs("{{query}}\n{{text}} caf\xc3(\n", fp);
		fclose(fp);
		{
			char *p2 = xasprintf("      prompt_file: '%s'\n",
					     path);

			y = judge_yaml(p2);
			free(p2);
		}
		{
			char *want = xasprintf("%s:2:13: invalid UTF-8 "
					       "continuation byte", path);

			bad_new(y, NS_ECONFIG, want, "prompt file not UTF-8");
			free(want);
		}
		free(y);
	}
	bad_cfg("cascade:\n  stages:\n    - scorer: judge\n      concurrency: "
		"0\n", "t.yaml:4:20: cascade.stages.0.concurrency: expected an "
		"integer in 1..1024, got '0'", "concurrency 0");
	bad_cfg("cascade:\n  stages:\n    - scorer: judge\n      temperature: "
		"3\n", "t.yaml:4:20: cascade.stages.0.temperature: expected a "
		"number in 0..2, got '3'", "temperature 3");
	bad_cfg("cascade:\n  stages:\n    - scorer: judge\n      price_prompt: "
		"-1\n", "t.yaml:4:21: cascade.stages.0.price_prompt: expected a "
		"number >= 0, got '-1'", "negative price");
	unsetenv("NS_TEST_NO_KEY");
	y = judge_yaml("      api_key_env: NS_TEST_NO_KEY\n");
	bad_new(y, NS_ECONFIG, "t.yaml:10:20: "
		"cascade.stages.0.api_key_env: the environment "
		"variable NS_TEST_NO_KEY is not set", "key variable unset");
	free(y);
}

static void
test_judge_run(struct db *db)
{
	static const char *const texts[] = {
		"plain", "#json-yes", "#json-no", "#fenced", "#think", "#yes",
		"#no", "#garbage", "#length", "#500", "#500once", "#429once",
		"#400", "#malformed", "#nocontent", "#429date",
	};
	struct batch b;
	struct ns_err err;
	struct scorer *s;
	const struct scorer_stats *st;
	char *y, *last, buf[300];
	long sent;

	setenv("NS_TEST_KEY", "sekrit", 1);
	y = judge_yaml("      api_key_env: NS_TEST_KEY\n      max_tokens: 50\n"
		       "      temperature: 0.25\n");
	s = mk(y, db, &err);
	free(y);
	if (!ok(s != NULL, "judge made")) {
		diag("%s", err.msg);
		return;
	}
	free(ctl("/reset"));
	batch_init(&b, texts, NS_ARRAY_SIZE(texts));
	b.req[0].title = "A T\xc3\xaftle";
	is_int(run(s, &b), NS_OK, "judge run");
	is_dbl(b.res[0].ok ? b.res[0].score : -1, 0, 0, "plain: false, 1");
	is_dbl(b.res[1].ok ? b.res[1].score : -1, 0.9, 1e-12, "json yes 0.9");
	is_dbl(b.res[2].ok ? b.res[2].score : -1, 0.2, 1e-12, "json no 0.8");
	is_dbl(b.res[3].ok ? b.res[3].score : -1, 0.75, 1e-12, "fenced 75%");
	is_dbl(b.res[4].ok ? b.res[4].score : -1, 0.6, 1e-12, "think");
	is_dbl(b.res[5].ok ? b.res[5].score : -1, 1, 0, "yes");
	is_dbl(b.res[6].ok ? b.res[6].score : -1, 0, 0, "no");
	is_str(b.res[1].raw, "{\"relevant\": true, \"confidence\": 0.9}",
	       "raw answer kept");
	has(b.res[4].raw, "<think>", "raw answer kept whole");
	is_str(b.res[7].msg, "passage p7 of query q1: no verdict (expected "
	       "{\"relevant\": true|false, ...} or an answer starting with "
	       "yes or no)", "garbage: no verdict");
	is_str(b.res[7].raw, "I cannot decide.", "garbage: raw kept");
	has(b.res[8].msg, "; the answer was cut at max_tokens (50)",
	    "cut answer");
	snprintf(buf, sizeof(buf), "passage p9 of query q1: "
		 "%s/v1/chat/completions: HTTP 500 after 3 attempts: boom",
		 base_url);
	is_str(b.res[9].msg, buf, "always 500: retried, then failed");
	is_dbl(b.res[10].ok ? b.res[10].score : -1, 0, 0, "500 once: retried");
	is_dbl(b.res[11].ok ? b.res[11].score : -1, 0, 0,
	       "429 + Retry-After: retried");
	is_dbl(b.res[15].ok ? b.res[15].score : -1, 0, 0,
	       "429 + Retry-After date: retried");
	snprintf(buf, sizeof(buf), "passage p12 of query q1: "
		 "%s/v1/chat/completions: HTTP 400: context too long",
		 base_url);
	is_str(b.res[12].msg, buf, "400: not retried");
	has(b.res[13].msg, "passage p13 of query q1: ", "malformed names it");
	has(b.res[13].msg, "/v1/chat/completions: malformed response (line 1",
	    "malformed JSON");
	has(b.res[14].msg, "malformed response: no choices[0].message.content",
	    "no content");
	sent = ctl_num("/count");
	st = scorer_stats(s);
	/* 16 items; #500 3 attempts; #500once, #429once, #429date 2 each */
	is_int(sent, 16 + 2 + 3, "requests the server saw");
	is_int(st->requests, sent, "requests counted");
	is_int(st->failed, 6, "6 failed");
	is_int(st->cached, 0, "nothing from the cache yet");
	/* usage on the 12 answers with a 200 and a usage member: the 10
	 * verdicts, #garbage and #length */
	is_int(st->prompt_tokens, 100 * 12, "prompt tokens");
	is_int(st->completion_tokens, 10 * 12, "completion tokens");
	is_dbl(st->cost, 1200 / 1000.0 * 0.5 + 120 / 1000.0 * 2, 1e-9,
	       "cost from the prices");
	last = ctl("/auth");
	is_str(last, "Bearer sekrit", "key from the named variable");
	free(last);
	last = ctl("/last");
	has(last, "\"model\":\"m1\"", "model sent");
	has(last, "\"max_tokens\":50", "max_tokens sent");
	has(last, "\"temperature\":0.25", "temperature sent");
	has(last, "what is a hard negative?", "query in the prompt");
	has(last, "the positive text", "positive in the prompt");
	free(last);
	scorer_stats_format(s, buf, sizeof(buf));
	has(buf, "21 requests, 0 from the cache, 1200 prompt + 120 "
	    "completion tokens, cost 0.8400, ", "stats line");

	/* a re-run: the answers with a verdict come from the cache, the
	 * failures are asked again */
	free(ctl("/reset"));
	is_int(run(s, &b), NS_OK, "judge re-run");
	is_int(scorer_stats(s)->cached, 10, "10 answers from the cache");
	is_str(b.res[1].raw, "{\"relevant\": true, \"confidence\": 0.9}",
	       "cached raw answer");
	is_dbl(b.res[3].ok ? b.res[3].score : -1, 0.75, 1e-12,
	       "cached score");
	is_int(ctl_num("/count"), 6 + 2, "only the 6 failures asked again "
	       "(#500 three times)");
	batch_fini(&b);
	scorer_free(s);
}

static void
test_judge_cache(struct db *db)
{
	static const char *const texts[] = { "a #json-yes", "b", "c #no",
					     "d", "e", "f" };
	struct batch b;
	struct scorer *s;
	uint64_t h;

	s = mk_judge("m1", db);
	if (!ok(s != NULL, "judge made"))
		return;
	batch_init(&b, texts, NS_ARRAY_SIZE(texts));
	free(ctl("/reset"));
	is_int(run(s, &b), NS_OK, "first run");
	is_int(ctl_num("/count"), 6, "6 requests");
	free(ctl("/reset"));
	is_int(run(s, &b), NS_OK, "second run");
	is_int(ctl_num("/count"), 0, "a re-run sends 0 requests");
	is_int(scorer_stats(s)->cached, 6, "6 from the cache");
	is_dbl(b.res[0].score, 0.9, 1e-12, "same score from the cache");
	h = scorer_input_hash(s, &b.req[0]);
	scorer_free(s);

	/* the same project, another model: asked again */
	s = mk_judge("m2", db);
	free(ctl("/reset"));
	is_int(run(s, &b), NS_OK, "another model");
	is_int(ctl_num("/count"), 6, "another model is asked again");
	ok(scorer_input_hash(s, &b.req[0]) != h,
	   "input hash depends on the model");
	scorer_free(s);

	/* a changed text is asked again, the rest not */
	s = mk_judge("m1", db);
	b.req[1].text = "b changed";
	free(ctl("/reset"));
	is_int(run(s, &b), NS_OK, "a changed text");
	is_int(ctl_num("/count"), 1, "only the changed text is asked");
	ok(scorer_input_hash(s, &b.req[0]) == h, "same input, same hash");
	scorer_free(s);

	/* without a project: no cache */
	s = mk_judge("m1", NULL);
	free(ctl("/reset"));
	is_int(run(s, &b), NS_OK, "no cache");
	is_int(ctl_num("/count"), 6, "without a cache everything is asked");
	scorer_free(s);
	batch_fini(&b);
}

static void
test_judge_transport(void)
{
	static const char *const slow[] = {
		"#wait300 a", "#wait300 b", "#wait300 c", "#wait300 d",
		"#wait300 e", "#wait300 f", "#wait300 g", "#wait300 h",
		"#wait300 i", "#wait300 j",
	};
	static const char *const hang[] = { "#slow", "#slowonce" };
	struct batch b;
	struct ns_err err;
	struct scorer *s;
	char *y;
	long maxin;

	/* N requests in flight, never more */
	y = judge_yaml("      concurrency: 4\n");
	s = mk(y, NULL, &err);
	free(y);
	batch_init(&b, slow, NS_ARRAY_SIZE(slow));
	free(ctl("/reset"));
	is_int(run(s, &b), NS_OK, "10 slow requests, 4 in flight");
	maxin = ctl_num("/maxinflight");
	ok(maxin >= 2 && maxin <= 4, "requests in flight: %ld (2..4)", maxin);
	ok(b.res[0].ok && b.res[9].ok, "all answered");
	batch_fini(&b);
	scorer_free(s);

	/* a timeout: retried, then failed */
	y = xasprintf("cascade:\n  stages:\n    - scorer: judge\n"
		      "      endpoint: %s\n      model: m1\n"
		      "      timeout: 0.5\n      retries: 1\n"
		      "      backoff: 0.01\n", base_url);
	s = mk(y, NULL, &err);
	free(y);
	batch_init(&b, hang, 2);
	free(ctl("/reset"));
	is_int(run(s, &b), NS_OK, "slow server");
	has(b.res[0].msg, "passage p0 of query q1: ", "timeout names the "
	    "candidate");
	has(b.res[0].msg, "request failed after 2 attempts: Operation timed "
	    "out", "timed out twice");
	ok(b.res[1].ok, "slow once: the retry answered");
	is_int(scorer_stats(s)->requests, 4, "2 attempts each");
	batch_fini(&b);
	scorer_free(s);

	/* a text that is not UTF-8 (the caller broke the contract): that
	 * item fails, nothing is sent for it */
	{
		static const char *const bad[] = { "ok", "caf\xc3(" };

		s = mk_judge("m1", NULL);
		batch_init(&b, bad, 2);
		free(ctl("/reset"));
		is_int(run(s, &b), NS_OK, "invalid UTF-8: the run returns");
		ok(b.res[0].ok, "the valid item is scored");
		is_str(b.res[1].msg, "passage p1 of query q1: cannot encode "
		       "the request (a text is not valid UTF-8)",
		       "the invalid one is named");
		is_int(ctl_num("/count"), 1, "only the valid one is sent");
		batch_fini(&b);
		scorer_free(s);
	}

	/* nothing listening */
	y = xasprintf("cascade:\n  stages:\n    - scorer: judge\n"
		      "      endpoint: http://127.0.0.1:9/v1\n      model: m\n"
		      "      retries: 1\n      backoff: 0.01\n");
	s = mk(y, NULL, &err);
	free(y);
	batch_init(&b, hang, 1);
	is_int(run(s, &b), NS_OK, "connection refused: the run returns");
	has(b.res[0].msg, "passage p0 of query q1: http://127.0.0.1:9/v1/chat/"
	    "completions: request failed after 2 attempts: ",
	    "connection refused, retried, named");
	batch_fini(&b);
	scorer_free(s);
}

static bool
python_works(void)
{
	char *c = xasprintf("'%s' -c pass", python);
	int st = system(c);

	free(c);
	return st == 0;
}

static pid_t server_pid = -1;

static void
stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
}

/* Start the fake chat server (stopped at exit); its pid, or -1. */
static pid_t
start_server(void)
{
	char portfile[600], *argv[4];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	FILE *fp;
	int port = 0, r;

	snprintf(portfile, sizeof(portfile), "%s/port", tap_tmpdir());
	argv[0] = (char *)python;
	argv[1] = fake_server;
	argv[2] = portfile;
	argv[3] = NULL;
	/* not on our stdout: the TAP driver reads until it closes */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, python, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -1;
	server_pid = pid;
	atexit(stop_server);
	for (int i = 0; i < 200 && access(portfile, F_OK) != 0; i++)
		usleep(50000);
	fp = fopen(portfile, "r");
	if (!fp || fscanf(fp, "%d", &port) != 1) {
		if (fp)
			fclose(fp);
		stop_server();
		return -1;
	}
	fclose(fp);
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d", port);
	return pid;
}

int
main(void)
{
	const char *src = getenv("top_srcdir");
	struct ns_err err;
	struct db *db = NULL;
	char dir[600];
	pid_t srv;

	if (!src)
		src = ".";
	/* the stand-ins start often: take an interpreter that starts fast
	 * (a version manager's shim can take seconds on a loaded machine) */
	if (getenv("PYTHON"))
		python = getenv("PYTHON");
	else if (access("/usr/bin/python3", X_OK) == 0)
		python = "/usr/bin/python3";
	snprintf(fake_scorer, sizeof(fake_scorer), "%s/tests/fake-scorer.py",
		 src);
	snprintf(fake_server, sizeof(fake_server),
		 "%s/tests/fake-chat-server.py", src);
	test_words();
	test_cmd_config();
	test_judge_config();
	if (!python_works()) {
		ok(true, "# SKIP no python3: stand-ins not run");
		return tap_done();
	}
	test_cmd_ok();
	test_cmd_failures();
	test_cmd_gives_up();
	test_cmd_big();
	test_cmd_orphan();

	curl_global_init(CURL_GLOBAL_DEFAULT);
	srv = start_server();
	if (!ok(srv > 0, "fake chat server started"))
		return tap_done();
	snprintf(dir, sizeof(dir), "%s/p", tap_tmpdir());
	err_clear(&err);
	if (!ok(db_open(dir, DB_OPEN_CREATE, &db, &err) == NS_OK,
		"project for the cache"))
		diag("%s", err.msg);
	test_judge_run(db);
	test_judge_cache(db);
	test_judge_transport();
	db_close(db);
	stop_server();
	return tap_done();
}
