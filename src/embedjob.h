/*
 * embedjob.h - computing or importing the vectors of a project: the
 * built-in embedder over every passage and query text, an
 * OpenAI-compatible endpoint (batched, cached by model and text), or
 * .npy / .fvecs / JSONL files joined on external ids.  Each kind written
 * becomes one new vecset (src/vecstore.h); a failure writes none.  An
 * embedder (built-in or endpoint) writes nothing for a kind whose newest
 * set of the model was made from the same texts (a hash of them is kept
 * in the set's params): an idle re-run costs one read of the texts.
 *
 * The settings come resolved (command-line options over the project's
 * config over the defaults of config_keys[]); nothing here reads argv or
 * the config, so `mine` (which embeds first when there are no vectors)
 * and the unit tests call the same functions as `negsieve embed`.
 */
#ifndef NS_EMBEDJOB_H
#define NS_EMBEDJOB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "src/err.h"
#include "src/opt.h"
#include "src/project.h"
#include "src/vecstore.h"

struct embedjob_settings {
	const char *model;	/* "builtin", or the endpoint's model name */
	const char *endpoint;	/* OpenAI-compatible URL; NULL: built-in */
	int dim;		/* built-in: the dimension; endpoint: the one
				 * it must return, 0 = whatever it returns */
	int batch;		/* texts per endpoint request */
	double timeout;		/* seconds per endpoint request */
	int retries;		/* endpoint: further attempts */
	double backoff;		/* endpoint: seconds before the first retry */
	const char *key_env;	/* endpoint: variable holding the API key;
				 * NULL: the default ones */
	const char *files[2];	/* vector files to import, by enum vec_kind;
				 * any set: import instead of computing */
	const char *idfiles[2];	/* their id lists, by enum vec_kind */
	const char *import_model; /* the imported vectors' model name
				   * (--model); NULL: "file:" and the file's
				   * name */
	bool prompt;		/* embed each query with the prompt of its
				 * training row in front (FlagEmbedding's
				 * "{}{}"), embed.prompt */
};

/* Items with a zero vector named in the summary, at most. */
#define EMBEDJOB_ZERO_NAMED 5

/* What one kind (enum vec_kind) produced. */
struct embedjob_kind {
	bool done;		/* this kind was processed */
	bool current;		/* its newest set was made from the same
				 * texts and model: kept, nothing written */
	int64_t set;		/* current: that set's id */
	int64_t rows;		/* vectors written (current: in the set) */
	int64_t items;		/* queries or passages in the project */
	int64_t notext;		/* items without text (not embedded) */
	int64_t cached;		/* endpoint: vectors from the cache */
	int64_t blank;		/* items whose text is blank (text_blank():
				 * empty, white space), given no vector by
				 * every embedder (none sent to an endpoint) */
	char blank_ids[256];	/* the first EMBEDJOB_ZERO_NAMED of them,
				 * quoted: "'a', 'b'" (cut at the size) */
	int64_t zero;		/* items whose text the embedder gave a zero
				 * vector (the built-in one: a text with no
				 * word; an endpoint's failure), left without
				 * one */
	char zero_ids[256];	/* the first EMBEDJOB_ZERO_NAMED of them */
	int64_t shared;		/* import: rows of an id whose passage (the
				 * same text as another id's) an earlier
				 * row gave the same vector: not stored */
	int dim;
};

struct embedjob_result {
	struct embedjob_kind kind[2];	/* by enum vec_kind */
	int64_t requests;		/* endpoint requests; -1: no endpoint */
	double seconds;			/* wall time of the job */
	int64_t swept, swept_bytes;	/* stale files removed first
					 * (vecstore_sweep()) */
	const char *dir;		/* the project's directory */
	const char *model;		/* the embedder's (embedjob_model()) */
};

/* The option rows of struct embedjob_settings (src/opt.h): the embed.*
 * config keys and the vector files to import. */
extern const struct opt embedjob_opts[];

/* @s zeroed, then every row of embedjob_opts[] from @cfg (NULL: the
 * defaults of config_keys[]); an endpoint's dimension stays 0 (whatever
 * it returns) unless @cfg sets embed.dim. */
void embedjob_settings_init(struct embedjob_settings *s,
			    const struct config *cfg);

/*
 * Is @s runnable?  An endpoint needs a model name other than "builtin",
 * another model needs an endpoint, the built-in dimension is 1..65536.
 * NS_EUSAGE with the reason in @err when not.
 */
enum ns_rc embedjob_check(const struct embedjob_settings *s,
			  struct ns_err *err);

/*
 * Compute or import the vectors @s describes into the open project @p:
 * import when @s->files has a file, else through @s->endpoint when set,
 * else the built-in embedder; settings that embedjob_check() refuses
 * are refused the same way.  Fills @res.  On failure no vecset of this job is left in the project.
 */
enum ns_rc embedjob_run(struct project *p, const struct embedjob_settings *s,
			struct embedjob_result *res, struct ns_err *err);

/* "embedded 10 passages and 3 queries (dimension 384) in 0.01 s, ..." and
 * a note for each kind with items left without a vector, to @fp. */
void embedjob_print(const struct embedjob_result *res, FILE *fp);

/* The model name the vectors of @s are stored under ("builtin" is
 * "builtin-tfidf-v1"). */
const char *embedjob_model(const struct embedjob_settings *s);

/* "queries" or "passages". */
const char *embedjob_kind_plural(enum vec_kind k);

#endif
