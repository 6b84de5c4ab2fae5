/*
 * dsn.c: build delivery status notifications.  See dsn.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "queue/dsn.h"

int
dsn_wants(const struct qrcpt *r, enum dsn_kind kind)
{
	if (r->notify & DSN_NOTIFY_NEVER)
		return 0;
	switch (kind) {
	case DSN_SUCCESS:
		return (r->notify & DSN_NOTIFY_SUCCESS) != 0;
	case DSN_DELAY:
		return r->notify == 0 || (r->notify & DSN_NOTIFY_DELAY);
	default:
		return r->notify == 0 || (r->notify & DSN_NOTIFY_FAILURE);
	}
}

static void
rfc5322_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S +0000 (UTC)", &tm);
}

/* Length of the header section, up to and including the blank line. */
static size_t
header_len(const char *p, size_t len)
{
	size_t	i;

	if (len > 0 && p[0] == '\n')
		return 1;
	for (i = 0; i + 1 < len; i++)
		if (p[i] == '\n' && p[i + 1] == '\n')
			return i + 2;
	return len;
}

static const char *
action(enum dsn_kind k)
{
	return k == DSN_SUCCESS ? "delivered" : k == DSN_DELAY ? "delayed" :
	    "failed";
}

static void
put_headers(FILE *f, const struct dsn_report *r, const char *boundary)
{
	static const char *subject[] = {
		"Undelivered Mail Returned to Sender",
		"Delayed Mail (still being retried)",
		"Successful Mail Delivery Report"
	};
	char date[64];

	rfc5322_date(r->now, date, sizeof(date));
	fprintf(f, "Date: %s\n", date);
	fprintf(f, "From: MAILER-DAEMON@%s (Mail Delivery System)\n",
	    r->hostname);
	fprintf(f, "To: <%s>\n", r->to);
	fprintf(f, "Subject: %s\n", subject[r->kind]);
	fprintf(f, "Message-Id: <%s.dsn@%s>\n", r->notice_qid, r->hostname);
	fprintf(f, "Auto-Submitted: auto-replied\n");
	fprintf(f, "MIME-Version: 1.0\n");
	fprintf(f, "Content-Type: multipart/report; "
	    "report-type=delivery-status;\n\tboundary=\"%s\"\n", boundary);
	fprintf(f, "Content-Transfer-Encoding: 8bit\n\n");
	fprintf(f, "This is a MIME-encapsulated message.\n\n");
}

static void
put_human(FILE *f, const struct dsn_report *r, const char *boundary)
{
	const struct dsn_entry	*e;
	const char		*addr;
	size_t			 i;

	fprintf(f, "--%s\nContent-Description: Notification\n"
	    "Content-Type: text/plain; charset=utf-8\n\n", boundary);
	fprintf(f, "This is the mail system at host %s.\n\n", r->hostname);
	if (r->kind == DSN_FAILURE)
		fprintf(f, "I'm sorry to have to inform you that your message "
		    "could not\nbe delivered to one or more recipients. "
		    "It's attached below.\n\n");
	else if (r->kind == DSN_DELAY)
		fprintf(f, "Your message could not be delivered yet to one "
		    "or more recipients.\nThe mail system will keep "
		    "trying; you need not send it again.\n\n");
	else
		fprintf(f, "Your message was delivered to the recipients "
		    "listed below.\n\n");
	for (i = 0; i < r->nentries; i++) {
		e = &r->entries[i];
		addr = r->env->rcpt[e->rcpt].addr;
		if (e->member[0] != '\0')
			fprintf(f, "<%s> (expanded from <%s>): %s\n",
			    e->member, addr, e->text[0] ? e->text :
			    action(r->kind));
		else
			fprintf(f, "<%s>: %s\n", addr, e->text[0] ? e->text :
			    action(r->kind));
	}
	fprintf(f, "\n");
}

static void
put_status(FILE *f, const struct dsn_report *r, const char *boundary)
{
	const struct qrcpt	*rc;
	char			 date[64];
	size_t			 i;

	fprintf(f, "--%s\nContent-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n\n", boundary);
	fprintf(f, "Reporting-MTA: dns; %s\n", r->hostname);
	fprintf(f, "X-Bulkhead-Queue-ID: %s\n", r->env->qid);
	if (r->env->envid[0] != '\0')
		fprintf(f, "Original-Envelope-Id: %s\n", r->env->envid);
	if (r->env->sender[0] != '\0')
		fprintf(f, "X-Bulkhead-Sender: rfc822; %s\n", r->env->sender);
	rfc5322_date((time_t)r->env->arrival, date, sizeof(date));
	fprintf(f, "Arrival-Date: %s\n", date);
	for (i = 0; i < r->nentries; i++) {
		rc = &r->env->rcpt[r->entries[i].rcpt];
		if (r->entries[i].member[0] != '\0') {
			/* An alias member: the alias is what was sent to. */
			fprintf(f, "\nFinal-Recipient: rfc822; %s\n",
			    r->entries[i].member);
			if (rc->orcpt[0] != '\0')
				fprintf(f, "Original-Recipient: %s\n",
				    rc->orcpt);
			else
				fprintf(f, "Original-Recipient: rfc822; %s\n",
				    rc->addr);
		} else {
			fprintf(f, "\nFinal-Recipient: rfc822; %s\n", rc->addr);
			if (rc->orcpt[0] != '\0')
				fprintf(f, "Original-Recipient: %s\n",
				    rc->orcpt);
		}
		fprintf(f, "Action: %s\n", action(r->kind));
		fprintf(f, "Status: %s\n", r->entries[i].status);
		if (r->entries[i].text[0] != '\0')
			fprintf(f, "Diagnostic-Code: X-Bulkhead; %s\n",
			    r->entries[i].text);
		rfc5322_date(r->now, date, sizeof(date));
		fprintf(f, "Last-Attempt-Date: %s\n", date);
		if (r->kind == DSN_DELAY) {
			rfc5322_date(r->retry_until, date, sizeof(date));
			fprintf(f, "Will-Retry-Until: %s\n", date);
		}
	}
	fprintf(f, "\n");
}

static void
put_original(FILE *f, const struct dsn_report *r, const char *boundary)
{
	size_t	len = r->content_len;
	int	full;

	full = !r->headers_only;
	if (!full)
		len = header_len(r->content, len);
	fprintf(f, "--%s\nContent-Description: %s\n"
	    "Content-Type: %s\n\n", boundary,
	    full ? "Undelivered Message" : "Undelivered Message Headers",
	    full ? "message/rfc822" : "text/rfc822-headers");
	fwrite(r->content, 1, len, f);
	if (len > 0 && r->content[len - 1] != '\n')
		fputc('\n', f);
	fprintf(f, "\n--%s--\n", boundary);
}

char *
dsn_build(const struct dsn_report *r, size_t *lenp)
{
	FILE	*f;
	char	*buf = NULL, boundary[96];
	size_t	 len = 0;

	snprintf(boundary, sizeof(boundary), "%s.%lld/%s", r->notice_qid,
	    (long long)r->now, r->hostname);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	put_headers(f, r, boundary);
	put_human(f, r, boundary);
	put_status(f, r, boundary);
	if (r->kind != DSN_SUCCESS || r->env->ret != DSN_RET_NONE)
		put_original(f, r, boundary);
	else
		fprintf(f, "--%s--\n", boundary);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*lenp = len;
	return buf;
}

int
dsn_owner_fits(const char *rcpt, const char *owner, const char *delims,
    const char *myhostname)
{
	const char	*rat = strrchr(rcpt, '@'), *oat = strrchr(owner, '@');
	const char	*rdom = rat != NULL ? rat + 1 : myhostname;
	size_t		 olen, rlen;

	if (strncasecmp(owner, "owner-", 6) != 0 || oat == NULL ||
	    oat < owner + 6 || strcasecmp(oat + 1, rdom) != 0)
		return 0;
	olen = oat - (owner + 6);
	rlen = rat != NULL ? (size_t)(rat - rcpt) : strlen(rcpt);
	if (olen == 0 || olen > rlen || strncasecmp(owner + 6, rcpt, olen) != 0)
		return 0;
	return olen == rlen || (delims != NULL && strchr(delims, rcpt[olen])
	    != NULL);
}
