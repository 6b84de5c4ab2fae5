/*
 * resolve.c: recipient decisions.  See resolve.h.
 *
 * An address is local when its domain is in mydestination (or it has no
 * domain: "Postmaster").  Its local part, lower-cased, reaches someone when
 * it is an alias or an account that may receive mail: uid 0 (which must be
 * aliased, and is deferred otherwise so that nothing is lost) or a uid of
 * at least local_minimum_uid (and not nobody's 65534).  With recipient_delimiter "+", user+ext
 * falls back to user when user+ext itself is unknown.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "delivery/resolve.h"
#include "privsep/sandbox.h"

int
resolve_is_local_domain(const char *domain, void *arg)
{
	const struct bh_config	*cf = arg;
	size_t			 i;

	for (i = 0; i < cf->mydestination.n; i++)
		if (strcasecmp(domain, cf->mydestination.v[i]) == 0)
			return 1;
	return 0;
}

/* Split "local@domain" at the last '@'; the local part is lower-cased. */
static int
split_addr(const char *addr, char *local, size_t llen, const char **domain)
{
	const char	*at = strrchr(addr, '@');
	size_t		 n = at ? (size_t)(at - addr) : strlen(addr), i;

	if (n == 0 || n >= llen)
		return -1;
	for (i = 0; i < n; i++)
		local[i] = tolower((unsigned char)addr[i]);
	local[n] = '\0';
	*domain = at ? at + 1 : "";
	return 0;
}

static int
user_may_receive(const struct resolver *r, const char *name)
{
	const struct userdb_entry *u = userdb_find(r->users, name);

	return u != NULL && (u->uid == 0 ||
	    ((long)u->uid >= r->cf->local_minimum_uid &&
	    u->uid < BH_OVERFLOW_UID));
}

static int
name_known(const struct resolver *r, const char *name)
{
	return aliases_lookup(r->aliases, name) != NULL ||
	    user_may_receive(r, name);
}

/* user+ext -> user when only the base name is known. */
static void
strip_extension(const struct resolver *r, char *local)
{
	const char	*delims = r->cf->recipient_delimiter;
	char		*p;

	if (delims == NULL || *delims == '\0' || name_known(r, local))
		return;
	if ((p = strpbrk(local, delims)) != NULL && p != local)
		*p = '\0';
}

enum rcpt_verdict
resolve_rcpt(const struct resolver *r, const char *addr)
{
	char		 local[IPC_ADDR_MAX];
	const char	*domain;

	if (split_addr(addr, local, sizeof(local), &domain) == -1)
		return RCPT_UNKNOWN_USER;
	if (*domain != '\0' && !resolve_is_local_domain(domain, (void *)r->cf))
		return RCPT_RELAY_DENIED;
	strip_extension(r, local);
	return name_known(r, local) ? RCPT_OK : RCPT_UNKNOWN_USER;
}

/*
 * A numeric address as 16 bytes of IPv6: an IPv4 address (or an
 * IPv4-mapped one, ::ffff:192.0.2.1, the client it stands for) becomes
 * ::ffff:a.b.c.d, so that every byte compared is set and one prefix
 * comparison serves both families.  Returns AF_INET for those, AF_INET6
 * for the rest, -1 if s is not an address.
 */
static int
parse_numeric(const char *s, unsigned char a[16])
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	unsigned char	v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		memcpy(a, v4mapped, sizeof(v4mapped));
		memcpy(a + 12, v4, sizeof(v4));
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, a) != 1)
		return -1;
	return memcmp(a, v4mapped, sizeof(v4mapped)) == 0 ? AF_INET : AF_INET6;
}

/*
 * Is a (16 bytes of family af, as parse_numeric makes them) in net
 * ("addr/prefix")?  An IPv4 network never matches an IPv6 client and
 * back.
 */
static int
in_network(const char *net, int af, const unsigned char *a)
{
	unsigned char	 n[sizeof(struct in6_addr)];
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long		 prefix, i;

	if (strlcpy(buf, net, sizeof(buf)) >= sizeof(buf) ||
	    (slash = strchr(buf, '/')) == NULL)
		return 0;
	*slash = '\0';
	prefix = strtol(slash + 1, &end, 10);
	if (parse_numeric(buf, n) != af || *end != '\0' ||
	    prefix < 0 || prefix > (strchr(buf, ':') ? 128 : 32))
		return 0;
	/* An IPv4 prefix counts from the start of its mapped form. */
	if (strchr(buf, ':') == NULL)
		prefix += 96;
	for (i = 0; i < prefix; i++)
		if ((a[i / 8] ^ n[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

int
resolve_in_networks(const struct bh_strlist *nets, const char *addr)
{
	unsigned char	a[sizeof(struct in6_addr)];
	int		af;
	size_t		i;

	if ((af = parse_numeric(addr, a)) == -1)
		return 0;
	for (i = 0; i < nets->n; i++)
		if (in_network(nets->v[i], af, a))
			return 1;
	return 0;
}

static int
is_relay_domain(const struct bh_config *cf, const char *domain)
{
	size_t	i;

	for (i = 0; i < cf->relay_domains.n; i++)
		if (strcasecmp(domain, cf->relay_domains.v[i]) == 0)
			return 1;
	return 0;
}

enum rcpt_verdict
resolve_rcpt_client(const struct resolver *r, const char *addr,
    const char *client_addr)
{
	enum rcpt_verdict	 v = resolve_rcpt(r, addr);
	const char		*at = strrchr(addr, '@');

	if (v != RCPT_RELAY_DENIED || at == NULL)
		return v;
	if (is_relay_domain(r->cf, at + 1) ||
	    resolve_in_networks(&r->cf->mynetworks, client_addr))
		return RCPT_RELAY_UNAVAILABLE;
	return RCPT_RELAY_DENIED;
}

static const char *
kind_name(enum alias_kind k)
{
	switch (k) {
	case ALIAS_FILE:
		return "file";
	case ALIAS_COMMAND:
		return "command";
	case ALIAS_INCLUDE:
		return ":include:";
	default:
		return "remote address";
	}
}

/* Which alias_maps entry holds this line of the concatenated table. */
static uint32_t
map_of_line(const struct resolver *r, int line)
{
	size_t	i, best = 0;
	int	first = 0;

	for (i = 0; i < r->nmaps; i++)
		if (r->map_line[i] <= line && r->map_line[i] >= first) {
			first = r->map_line[i];
			best = i;
		}
	return (uint32_t)best;
}

/* A |command, /file or :include: local asks master for a runner with. */
static int
add_target(const struct resolver *r, const struct alias_target *t,
    struct msg_expand_ok *out, char *dsn, size_t dsnlen, char *text,
    size_t textlen)
{
	struct msg_target *mt;

	strlcpy(dsn, "5.3.0", dsnlen);
	if (out->ntargets == IPC_TARGETS_MAX) {
		snprintf(text, textlen, "alias expands to more than %d "
		    "commands and files", IPC_TARGETS_MAX);
		return -1;
	}
	mt = &out->targets[out->ntargets];
	if (t->alias == NULL || strlcpy(mt->name, t->alias, sizeof(mt->name))
	    >= sizeof(mt->name) || strlcpy(mt->value, t->value,
	    sizeof(mt->value)) >= sizeof(mt->value)) {
		snprintf(text, textlen, "alias target too long");
		return -1;
	}
	if (t->kind == ALIAS_INCLUDE && strlen(t->value) >= IPC_PATH_MAX) {
		snprintf(text, textlen, ":include: path too long");
		return -1;
	}
	mt->kind = t->kind == ALIAS_COMMAND ? RUNNER_COMMAND :
	    t->kind == ALIAS_FILE ? RUNNER_FILE : RUNNER_INCLUDE;
	mt->map = map_of_line(r, t->line);
	out->ntargets++;
	return 0;
}

/*
 * A member that cannot be delivered for good: the alias still reaches
 * the others (as in Postfix) and queue bounces this one.  -1 when there
 * are too many to carry; the whole alias then fails with this reason.
 * A local name gets the alias's domain (or myhostname) for the notice.
 */
static int
add_failed(const struct resolver *r, struct msg_expand_ok *out,
    const char *member, const char *domain, const char *dsn,
    const char *text)
{
	struct msg_failed	*f;
	int			 n;

	if (out->nfailed == IPC_FAILED_MAX)
		return -1;
	f = &out->failed[out->nfailed];
	n = strchr(member, '@') != NULL ?
	    snprintf(f->addr, sizeof(f->addr), "%s", member) :
	    snprintf(f->addr, sizeof(f->addr), "%s@%s", member,
	    *domain != '\0' ? domain : r->cf->myhostname);
	if (n < 0 || (size_t)n >= sizeof(f->addr) ||
	    strpbrk(f->addr, " \t\r\n") != NULL)
		return -1;
	strlcpy(f->dsn, dsn, sizeof(f->dsn));
	snprintf(f->text, sizeof(f->text), "%s", text);
	out->nfailed++;
	return 0;
}

int
resolve_expand(const struct resolver *r, const char *addr,
    struct msg_expand_ok *out, char *dsn, size_t dsnlen, char *text,
    size_t textlen)
{
	char			 local[IPC_ADDR_MAX], err[ALIAS_ERR_MAX];
	const char		*domain;
	struct alias_target	*t = NULL;
	int			 n, i, rc = -1;

	out->n = 0;
	out->ntargets = 0;
	out->nfailed = 0;
	strlcpy(dsn, "5.1.1", dsnlen);
	if (split_addr(addr, local, sizeof(local), &domain) == -1 ||
	    (*domain != '\0' &&
	    !resolve_is_local_domain(domain, (void *)r->cf))) {
		snprintf(text, textlen, "not a local address");
		return -1;
	}
	strip_extension(r, local);
	if ((n = aliases_expand(r->aliases, local, resolve_is_local_domain,
	    (void *)r->cf, &t, err, sizeof(err))) < 0) {
		strlcpy(dsn, "5.4.6", dsnlen);	/* routing loop */
		snprintf(text, textlen, "%s", err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (t[i].kind == ALIAS_COMMAND || t[i].kind == ALIAS_FILE ||
		    t[i].kind == ALIAS_INCLUDE) {
			if (add_target(r, &t[i], out, dsn, dsnlen, text,
			    textlen) == -1)
				goto done;
			continue;
		}
		if (t[i].kind != ALIAS_ADDRESS || strchr(t[i].value, '@')) {
			strlcpy(dsn, "5.3.0", dsnlen);
			snprintf(text, textlen, "alias target %s (%s) is not "
			    "supported by this release", t[i].value,
			    kind_name(t[i].kind));
			if (add_failed(r, out, t[i].value, domain, dsn, text)
			    == -1)
				goto done;
			continue;
		}
		if (!user_may_receive(r, t[i].value)) {
			strlcpy(dsn, "5.1.1", dsnlen);
			snprintf(text, textlen, "unknown user %s", t[i].value);
			if (add_failed(r, out, t[i].value, domain, dsn, text)
			    == -1)
				goto done;
			continue;
		}
		if (out->n == IPC_EXPAND_MAX ||
		    strlen(t[i].value) > IPC_USER_MAX) {
			strlcpy(dsn, "5.3.0", dsnlen);
			snprintf(text, textlen, "alias expands too far");
			goto done;
		}
		strlcpy(out->users[out->n++], t[i].value,
		    sizeof(out->users[0]));
	}
	rc = out->n + out->ntargets > 0 ? 0 : -1;
	/* Only failed members: the alias fails, with the first reason. */
	if (rc == -1 && out->nfailed > 0) {
		strlcpy(dsn, out->failed[0].dsn, dsnlen);
		snprintf(text, textlen, "%s", out->failed[0].text);
	} else if (rc == -1)
		snprintf(text, textlen, "alias expands to nobody");
done:
	aliases_free_targets(t, n);
	return rc;
}

void
resolve_owner(const struct resolver *r, const char *addr, char *out,
    size_t outlen)
{
	char		 local[IPC_ADDR_MAX], owner[IPC_ADDR_MAX + 8];
	const char	*domain;

	out[0] = '\0';
	if (split_addr(addr, local, sizeof(local), &domain) == -1 ||
	    (*domain != '\0' &&
	    !resolve_is_local_domain(domain, (void *)r->cf)))
		return;
	strip_extension(r, local);
	if (strncmp(local, "owner-", 6) == 0 ||
	    aliases_lookup(r->aliases, local) == NULL)
		return;
	snprintf(owner, sizeof(owner), "owner-%s", local);
	if (aliases_lookup(r->aliases, owner) == NULL)
		return;
	if ((size_t)snprintf(out, outlen, "%s@%s", owner, *domain != '\0' ?
	    domain : r->cf->myhostname) >= outlen)
		out[0] = '\0';
}
