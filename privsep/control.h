/*
 * control.h: the control socket that bulkctl talks to.  master creates it
 * (a unix SOCK_SEQPACKET socket at control_socket, mode 0666: anyone may
 * ask; queue, which serves it, checks each peer's uid with SO_PEERCRED)
 * and hands it to queue at every start of queue.  Each connection is an
 * IPC channel between ROLE_CONTROL and ROLE_QUEUE (privsep/ipc.h).
 */
#ifndef BH_CONTROL_H
#define BH_CONTROL_H

#include <stddef.h>

/* The listening fd, or -1 with err set. */
int	control_open(const char *path, char *err, size_t errlen);
/* bulkctl's end: a connected fd, or -1 with errno set. */
int	control_connect(const char *path);

#endif
