/* SPDX-License-Identifier: MIT */
/*
 * nc2/error.h - error codes shared by every layer.
 *
 * One sign convention everywhere: functions return 0 (or a positive
 * count) on success and a negated enum nc2_err on failure; a sticky
 * error stored in a struct is kept negated too.
 *
 * The codes live in their own domain, NC2_ERR_BASE and up, so that a
 * library code can never be taken for an errno: Linux errno values are
 * below 4096 (MAX_ERRNO is 4095), and so are those of every libc. Code
 * that talks to an errno world (a kernel probe or ndo function, a
 * userspace syscall wrapper) converts at its boundary and never returns
 * a library code there.
 *
 * Codes from NC2_EP_FIRST up are protocol errors: the peer broke the
 * protocol, the endpoint that saw it is now in a sticky error state and
 * every later call on it returns the same code.
 *
 * NC2_ERR_BASE is a local choice; the offset of each code from it is its
 * wire value (CLOSE.reason, docs/protocol.md sections 5.2 and 6.4) and
 * never changes: convert with nc2_err_to_wire() and nc2_err_from_wire(),
 * never by hand. New codes take new offsets.
 */
#ifndef NC2_ERROR_H
#define NC2_ERROR_H

#include <nc2/platform.h>

/* Far above any errno (Linux MAX_ERRNO is 4095), far below INT_MAX. */
#define NC2_ERR_BASE 0x10000

enum nc2_err {
	NC2_OK = 0,
	/* local conditions: retry later or fix the call */
	NC2_E_FIRST = NC2_ERR_BASE + 1,
	NC2_E_AGAIN = NC2_E_FIRST, /* ring full, no credit, or nothing to read */
	NC2_E_INVAL,	/* bad argument from the caller */
	NC2_E_LIMIT,	/* would exceed a limit the peer declared */
	NC2_E_STATE,	/* call not allowed in this connection state */
	NC2_E_CLOSED,	/* the peer closed this connection in order */
	NC2_E_LAST,
	/* protocol errors, always the peer's doing, always sticky */
	NC2_EP_FIRST = NC2_ERR_BASE + 32,
	NC2_EP_PROD_INDEX = NC2_EP_FIRST, /* producer index bad */
	NC2_EP_CONS_INDEX,  /* consumer index out of range or unaligned */
	NC2_EP_MSG_SIZE,    /* header size bad, beyond prod or past ring end */
	NC2_EP_MSG_TYPE,    /* unknown type, or not for this receiver */
	NC2_EP_MSG_LAYOUT,  /* body does not match the header size */
	NC2_EP_SEQUENCE,    /* message not allowed in this state */
	NC2_EP_VERSION,	    /* no common version or device class */
	NC2_EP_LIMIT,	    /* a declared limit out of range or shrinking */
	NC2_EP_ID_RANGE,    /* id beyond the declared maximum */
	NC2_EP_ID_DUP,	    /* id already in flight */
	NC2_EP_ID_UNKNOWN,  /* FINISH for an id not outstanding */
	NC2_EP_PKT_FRAGS,   /* more fragments than negotiated */
	NC2_EP_PKT_FRAG,    /* fragment empty or outside its page */
	NC2_EP_PKT_LENGTH,  /* total length wrong or over 64 KiB */
	NC2_EP_PKT_HEADER,  /* headers not inline, or bigger than packet */
	NC2_EP_PKT_OFFLOAD, /* offload not negotiated or inconsistent */
	NC2_EP_PKT_FLAGS,   /* unknown packet type or flag */
	NC2_EP_BYPASS,	    /* bypass message from an untrusted end or bad */
	NC2_EP_LAST
};

/*
 * A short constant description of ret, a return value: 0 and positive
 * counts are "success", a negated library code its description, anything
 * else (an errno, say) "unknown error".
 */
const char *nc2_strerror(int ret);

/* True if ret (a return value) is a negated protocol error code. */
static inline bool nc2_is_protocol_error(int ret)
{
	return ret <= -NC2_EP_FIRST && ret > -NC2_EP_LAST;
}

/* True if ret (a return value) is any negated library code. */
static inline bool nc2_is_error(int ret)
{
	return (ret <= -NC2_E_FIRST && ret > -NC2_E_LAST) ||
	       nc2_is_protocol_error(ret);
}

/*
 * The stable wire value of ret (a negated code) for CLOSE.reason: 0 for
 * success, NC2_E_AGAIN..NC2_E_CLOSED are 1..5, NC2_EP_PROD_INDEX..
 * NC2_EP_BYPASS are 32..49 (docs/protocol.md section 5.2). A value that
 * is no library code maps to 0.
 */
uint32_t nc2_err_to_wire(int ret);

/* The negated code a wire value names, or 0 if it names none. */
int nc2_err_from_wire(uint32_t v);

#endif /* NC2_ERROR_H */
