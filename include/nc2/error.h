/* SPDX-License-Identifier: MIT */
/*
 * nc2/error.h - error codes shared by every layer.
 *
 * Functions return 0 (or a positive count) on success and a negated
 * enum nc2_err on failure. Codes from NC2_EP_FIRST up are protocol errors:
 * the peer broke the protocol, the endpoint that saw it is now in a sticky
 * error state and every later call on it returns the same code.
 */
#ifndef NC2_ERROR_H
#define NC2_ERROR_H

#include <nc2/platform.h>

enum nc2_err {
	NC2_OK = 0,
	/* local conditions: retry later or fix the call */
	NC2_E_AGAIN = 1,  /* ring full, no credit, or nothing to read */
	NC2_E_INVAL = 2,  /* bad argument from the caller */
	NC2_E_LIMIT = 3,  /* would exceed a limit the peer declared */
	NC2_E_STATE = 4,  /* call not allowed in this connection state */
	NC2_E_CLOSED = 5, /* the peer closed this connection in order */
	/* protocol errors, always the peer's doing, always sticky */
	NC2_EP_FIRST = 32,
	NC2_EP_PROD_INDEX = 32, /* producer index out of range or unaligned */
	NC2_EP_CONS_INDEX,	/* consumer index out of range or unaligned */
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

/* A short constant description of code (positive or negated). */
const char *nc2_strerror(int code);

/* True if code (positive or negated) is a protocol error. */
static inline bool nc2_is_protocol_error(int code)
{
	if (code < 0)
		code = -code;
	return code >= NC2_EP_FIRST && code < NC2_EP_LAST;
}

#endif /* NC2_ERROR_H */
