/* SPDX-License-Identifier: MIT */
/* Message + file descriptor passing over a SOCK_SEQPACKET socket. */
#ifndef NC2_HV_MSG_H
#define NC2_HV_MSG_H

#include <stddef.h>

#define HV_MSG_MAX_FDS 128

/* Send hdr+payload as one message with @nfds fds attached; -errno on error. */
int hv_msg_send(int sock, const void *hdr, size_t hlen, const void *payload,
		size_t plen, const int *fds, int nfds);
/*
 * Receive one message into @buf.  Returns its length (0 = peer closed) or
 * -errno.  Received fds go to @fds (up to @maxfds, extras closed), count to
 * *@nfds.  A truncated message is an error: its fds are closed.
 */
ssize_t hv_msg_recv(int sock, void *buf, size_t len, int *fds, int maxfds,
		    int *nfds);

#endif
