/*
 * dsn_param.h: the RFC 3461 DSN parameters of MAIL (RET, ENVID) and RCPT
 * (NOTIFY, ORCPT), and xtext.  Parsers take (pointer, length), fill the
 * fields privsep/ipc_msgs.h carries to queue, and return 0 or -1.
 */
#ifndef BH_DSN_PARAM_H
#define BH_DSN_PARAM_H

#include <stddef.h>
#include <stdint.h>

/* Decode xtext into buf (NUL-terminated); -1 if malformed or too long. */
int	xtext_decode(const char *s, size_t len, char *buf, size_t bufsz);
/* Length of buf if every octet is printable US-ASCII, else -1. */
int	dsn_printable(const char *buf);
/* RET=FULL|HDRS -> DSN_RET_*. */
int	dsn_parse_ret(const char *s, size_t len, uint32_t *ret);
/* ENVID=xtext, at most 100 printable US-ASCII characters decoded. */
int	dsn_parse_envid(const char *s, size_t len, char *buf, size_t bufsz);
/* NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY -> DSN_NOTIFY_*. */
int	dsn_parse_notify(const char *s, size_t len, uint32_t *mask);
/*
 * ORCPT=addr-type;xtext -> "addr-type;decoded" (type lower-cased); the
 * decoded address, like ENVID, printable US-ASCII only.
 */
int	dsn_parse_orcpt(const char *s, size_t len, char *buf, size_t bufsz);

#endif
