/*
 * alias_expand.c: expand a name to its final recipients through the
 * aliases(5) table that conf/aliases.c parsed.
 *
 * A target that is itself an alias is expanded again, to a bounded depth
 * (ALIAS_EXPAND_DEPTH) and number of recipients (ALIAS_EXPAND_MAX); a
 * loop fails, duplicates are dropped.  Nothing here logs or exits; errors
 * are written to the caller's buffer.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/aliases.h"
#include "conf/aliases_int.h"
#include "delivery/alias_expand.h"
#include "lib/strl.h"

#define EXPAND_HASH_SIZE	2048	/* power of two > 2 * ALIAS_EXPAND_MAX */

struct expansion {
	const struct alias_table	*t;
	alias_domain_fn			 is_local_domain;
	void				*arg;
	const char			*delims;	/* or NULL */
	/*
	 * done[i] is 1 + the greatest depth at which entry i was expanded
	 * completely, 0 if never.  Expanding it again at that depth or a
	 * shallower one can only add duplicates and cannot hit the depth
	 * limit (nor a loop: that would have failed the first time), so it
	 * is skipped; without this, aliases that fan out to each other
	 * cost exponential time.
	 */
	unsigned char			*done;
	const char			*name;	/* what was asked for */
	const struct alias_entry	*chain[ALIAS_EXPAND_DEPTH];
	size_t				 depth;
	struct alias_target		*out;
	size_t				 n, cap;
	/*
	 * out[slot[h] - 1] hashes to h (open addressing, 0 = empty), so
	 * that dropping duplicates costs O(1) and not O(n) per target.
	 */
	uint16_t			 slot[EXPAND_HASH_SIZE];
	char				*err;
	size_t				 errlen;
};

void
aliases_free_targets(struct alias_target *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].value);
	free(v);
}

_Static_assert(EXPAND_HASH_SIZE > 2 * ALIAS_EXPAND_MAX &&
    (EXPAND_HASH_SIZE & (EXPAND_HASH_SIZE - 1)) == 0 &&
    EXPAND_HASH_SIZE <= UINT16_MAX, "EXPAND_HASH_SIZE");

/* Addresses are the same without regard to case, files and commands not. */
static int
same_target(const struct alias_target *a, enum alias_kind kind,
    const char *value)
{
	if (a->kind != kind)
		return 0;
	if (kind == ALIAS_ADDRESS)
		return ascii_ncase_eq(a->value, value, SIZE_MAX);
	return strcmp(a->value, value) == 0;
}

/* FNV-1a, folding case where same_target() does. */
static size_t
target_hash(enum alias_kind kind, const char *value)
{
	uint32_t	h = 2166136261u ^ (uint32_t)kind;
	int		c;

	for (; *value != '\0'; value++) {
		c = (unsigned char)*value;
		h ^= (uint32_t)(kind == ALIAS_ADDRESS ? lower(c) : c);
		h *= 16777619u;
	}
	return h & (EXPAND_HASH_SIZE - 1);
}

/* Append a final target unless it is already there. */
static int
emit(struct expansion *x, enum alias_kind kind, const char *value,
    const struct alias_entry *from)
{
	void	*v;
	size_t	 h;

	for (h = target_hash(kind, value); x->slot[h] != 0;
	    h = (h + 1) & (EXPAND_HASH_SIZE - 1))
		if (same_target(&x->out[x->slot[h] - 1], kind, value))
			return 0;
	if (x->n >= ALIAS_EXPAND_MAX) {
		errf(x->err, x->errlen, "alias %s expands to more than %d "
		    "recipients", x->name, ALIAS_EXPAND_MAX);
		return -1;
	}
	v = x->out;
	if (grow(&v, &x->cap, x->n + 1, sizeof(*x->out)) == -1)
		goto nomem;
	x->out = v;
	if ((x->out[x->n].value = strdup(value)) == NULL)
		goto nomem;
	x->out[x->n].kind = kind;
	x->out[x->n].alias = from != NULL ? from->name : NULL;
	x->out[x->n].line = from != NULL ? from->line : 0;
	x->n++;
	x->slot[h] = (uint16_t)x->n;
	return 0;
nomem:
	errf(x->err, x->errlen, "out of memory");
	return -1;
}

/* "what a -> b -> ... -> last", cut to fit. */
static void
chain_error(struct expansion *x, const char *what, const char *last)
{
	char	msg[ALIAS_ERR_MAX];
	size_t	i;

	strlcpy_text(msg, what, sizeof(msg));
	for (i = 0; i < x->depth; i++) {
		strlcat(msg, x->chain[i]->name, sizeof(msg));
		strlcat(msg, " -> ", sizeof(msg));
	}
	strlcat(msg, last, sizeof(msg));
	errf(x->err, x->errlen, "%s", msg);
}

static int	expand_entry(struct expansion *, const struct alias_entry *);

static int
on_chain(const struct expansion *x, const struct alias_entry *e)
{
	size_t	i;

	for (i = 0; i < x->depth; i++)
		if (x->chain[i] == e)
			return 1;
	return 0;
}

/*
 * The alias a local part names: itself, else (user+ext, as Postfix) its
 * base name before the first recipient_delimiter character.  An alias
 * reached that way drops the extension (propagate_unmatched_extensions
 * does not include alias by default).
 */
static const struct alias_entry *
lookup_base(const struct expansion *x, const char *local)
{
	const struct alias_entry	*e;
	char				 base[ALIAS_TARGET_MAX + 1];
	size_t				 n;

	if ((e = aliases_lookup(x->t, local)) != NULL || x->delims == NULL ||
	    *x->delims == '\0')
		return e;
	n = strcspn(local, x->delims);
	if (n == 0 || local[n] == '\0' || n >= sizeof(base))
		return NULL;
	memcpy(base, local, n);
	base[n] = '\0';
	return aliases_lookup(x->t, base);
}

/*
 * An address target of alias e.  A local one (no domain, or a domain
 * the callback calls ours; it sees the domain lower-cased) is looked up
 * again by its lower-cased local part.
 */
static int
expand_address(struct expansion *x, const struct alias_entry *e,
    const char *value)
{
	const struct alias_entry	*next;
	char				*local, *at;
	int				 r;

	if ((local = strdup(value)) == NULL) {
		errf(x->err, x->errlen, "out of memory");
		return -1;
	}
	lower_str(local);
	if (local[0] == '\\') {		/* \user: no further aliasing */
		r = emit(x, ALIAS_ADDRESS, local + 1, NULL);
		goto done;
	}
	if ((at = strrchr(local, '@')) != NULL) {
		*at = '\0';
		if (x->is_local_domain == NULL ||
		    !x->is_local_domain(at + 1, x->arg)) {
			r = emit(x, ALIAS_ADDRESS, value, NULL);
			goto done;
		}
	}
	next = lookup_base(x, local);
	if (next == NULL || next == e)	/* a user, or "root: root" */
		r = emit(x, ALIAS_ADDRESS, local, NULL);
	else if (on_chain(x, next)) {
		chain_error(x, "alias loop: ", next->name);
		r = -1;
	} else
		r = expand_entry(x, next);
done:
	free(local);
	return r;
}

static int
expand_entry(struct expansion *x, const struct alias_entry *e)
{
	size_t	i, idx = (size_t)(e - x->t->v);

	if (x->depth >= ALIAS_EXPAND_DEPTH) {
		chain_error(x, "aliases nested too deeply: ", e->name);
		return -1;
	}
	if (x->done[idx] > x->depth)
		return 0;
	x->chain[x->depth++] = e;
	for (i = 0; i < e->ntargets; i++) {
		if (e->targets[i].kind != ALIAS_ADDRESS) {
			if (emit(x, e->targets[i].kind,
			    e->targets[i].value, e) == -1)
				return -1;
		} else if (expand_address(x, e, e->targets[i].value) == -1)
			return -1;
	}
	x->depth--;
	x->done[idx] = (unsigned char)(x->depth + 1);
	return 0;
}

int
aliases_expand(const struct alias_table *t, const char *name,
    alias_domain_fn is_local_domain, void *arg, struct alias_target **out,
    char *err, size_t errlen)
{
	return aliases_expand_delim(t, name, NULL, is_local_domain, arg, out,
	    err, errlen);
}

int
aliases_expand_delim(const struct alias_table *t, const char *name,
    const char *delims, alias_domain_fn is_local_domain, void *arg,
    struct alias_target **out, char *err, size_t errlen)
{
	struct expansion		 x;
	const struct alias_entry	*e;
	char				*key;
	int				 r;

	*out = NULL;
	if (name == NULL || name[0] == '\0') {
		errf(err, errlen, "empty alias name");
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.t = t;
	x.is_local_domain = is_local_domain;
	x.arg = arg;
	x.delims = delims;
	x.err = err;
	x.errlen = errlen;
	if ((key = strdup(name)) == NULL) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	lower_str(key);
	x.name = key;
	if ((e = aliases_lookup(t, key)) == NULL)	/* a user, not an alias */
		r = emit(&x, ALIAS_ADDRESS, key, NULL);
	else if ((x.done = calloc(t->n, 1)) == NULL) {
		errf(err, errlen, "out of memory");
		r = -1;
	} else
		r = expand_entry(&x, e);
	free(x.done);
	free(key);
	if (r == -1) {
		aliases_free_targets(x.out, x.n);
		return -1;
	}
	*out = x.out;
	return (int)x.n;
}
