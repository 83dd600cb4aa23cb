/*
 * cmd_embed.c - negsieve embed PROJECT: compute vectors for the project's
 * queries and passages with the built-in embedder or an OpenAI-compatible
 * endpoint, or import them from .npy / .fvecs / JSONL files joined on
 * external ids.  Each kind becomes one new vecset (src/vecstore.h),
 * unless its texts are those of the newest set (src/embedjob.h).
 */
#include <stdio.h>
#include <string.h>

#include "src/cleanup.h"
#include "src/cmd.h"
#include "src/embed_builtin.h"
#include "src/embedjob.h"
#include "src/project.h"

static const struct opt_cmd embed_cmd = {
	"embed",
	"usage: negsieve embed [OPTIONS] PROJECT\n",
	"Compute vectors for the project's passages and queries, or import\n"
	"them from files.  Default: the built-in embedder (hashed word and\n"
	"character n-gram TF-IDF, no model needed).  A kind whose texts,\n"
	"model and dimension are unchanged is left as it is (\"vectors up\n"
	"to date\", nothing written).  Options override the embed.* config\n"
	"keys.\n",
	embedjob_opts,
};

/* --- the command -------------------------------------------------------- */

int
cmd_embed(int argc, char **argv)
{
	struct embedjob_settings o;
	struct embedjob_result res;
	struct opt_state st;
	struct project p;
	struct ns_err err;
	int rc;

	err_clear(&err);
	memset(&o, 0, sizeof(o));
	if ((rc = cmd_options(&embed_cmd, argc, argv, &o, &st)) || st.help)
		return rc;
	if (st.first != argc - 1)
		return cmd_usage_error("embed", "expected one PROJECT argument");
	for (int k = VEC_QUERY; k <= VEC_PASSAGE; k++)
		if (o.idfiles[k] && !o.files[k])
			return cmd_usage_error("embed", "--%s-ids needs --%s",
					       k == VEC_QUERY ? "query" :
					       "passage",
					       embedjob_kind_plural(
						       (enum vec_kind)k));
	if ((o.files[0] || o.files[1]) &&
	    opt_from(embed_cmd.rows, &st, "endpoint") == OPT_FROM_ARGV)
		return cmd_usage_error("embed", "--endpoint does not apply "
				       "to imported vector files");
	/* imported vectors: --model names their model (mine pairs query
	 * and passage vectors by it); the embedder's names are not theirs */
	if ((o.files[0] || o.files[1]) &&
	    opt_from(embed_cmd.rows, &st, "model") == OPT_FROM_ARGV) {
		if (!*o.model || !strcmp(o.model, "builtin") ||
		    !strcmp(o.model, EMBED_BUILTIN_MODEL) ||
		    !strncmp(o.model, "file:", 5))
			return cmd_usage_error("embed", "--model '%s': name "
					       "imported vectors after their "
					       "model (not empty, not "
					       "'builtin', the built-in "
					       "embedder's, nor 'file:...', "
					       "which names vectors imported "
					       "without --model)", o.model);
		o.import_model = o.model;
	}

	/* a spool must not outlive Ctrl-C (src/cleanup.h) */
	cleanup_catch_signals();
	if (project_open(&p, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	opt_resolve(embed_cmd.rows, p.cfg, &o, &st);
	/* an endpoint's dimension is checked only when one was asked for */
	if (o.endpoint && opt_from(embed_cmd.rows, &st, "dim") ==
			  OPT_FROM_DEFAULT)
		o.dim = 0;
	/* the built-in embedder by the name embed reports and mine takes */
	if (!o.endpoint && !strcmp(o.model, EMBED_BUILTIN_MODEL))
		o.model = "builtin";
	if (embedjob_check(&o, &err) != NS_OK) {
		project_close(&p);
		return cmd_usage_error("embed", "%s", err.msg);
	}
	rc = embedjob_run(&p, &o, &res, &err);
	project_close(&p);
	if (rc != NS_OK)
		return cmd_fail(&err);
	embedjob_print(&res, stdout);
	return NS_OK;
}
