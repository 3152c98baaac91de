// SPDX-License-Identifier: MIT
/* Error descriptions and the wire values of the codes. */
#include <nc2/error.h>

const char *nc2_strerror(int ret)
{
	if (ret >= 0)
		return "success";
	switch (-ret) {
	case NC2_E_AGAIN:
		return "try again: ring full, no credit or nothing to read";
	case NC2_E_INVAL:
		return "invalid argument";
	case NC2_E_LIMIT:
		return "exceeds a limit the peer declared";
	case NC2_E_STATE:
		return "not allowed in this connection state";
	case NC2_E_CLOSED:
		return "connection closed by the peer";
	case NC2_EP_PROD_INDEX:
		return "protocol error: producer index out of range";
	case NC2_EP_CONS_INDEX:
		return "protocol error: consumer index out of range";
	case NC2_EP_MSG_SIZE:
		return "protocol error: bad message size";
	case NC2_EP_MSG_TYPE:
		return "protocol error: unexpected message type";
	case NC2_EP_MSG_LAYOUT:
		return "protocol error: message body does not match its size";
	case NC2_EP_SEQUENCE:
		return "protocol error: message not allowed in this state";
	case NC2_EP_VERSION:
		return "protocol error: no common version or device class";
	case NC2_EP_LIMIT:
		return "protocol error: declared limit invalid";
	case NC2_EP_ID_RANGE:
		return "protocol error: id out of range";
	case NC2_EP_ID_DUP:
		return "protocol error: id already in flight";
	case NC2_EP_ID_UNKNOWN:
		return "protocol error: completion for an unknown id";
	case NC2_EP_PKT_FRAGS:
		return "protocol error: too many fragments";
	case NC2_EP_PKT_FRAG:
		return "protocol error: empty or out-of-page fragment";
	case NC2_EP_PKT_LENGTH:
		return "protocol error: bad packet length";
	case NC2_EP_PKT_HEADER:
		return "protocol error: packet headers not inline";
	case NC2_EP_PKT_OFFLOAD:
		return "protocol error: bad offload metadata";
	case NC2_EP_PKT_FLAGS:
		return "protocol error: unknown packet type or flag";
	case NC2_EP_BYPASS:
		return "protocol error: bad or unauthorised bypass message";
	default:
		return "unknown error";
	}
}

/*
 * The wire value is the code's offset from NC2_ERR_BASE, which error.h
 * freezes; the range checks keep anything else (an errno, a count) off
 * the wire.
 */
uint32_t nc2_err_to_wire(int ret)
{
	if (!nc2_is_error(ret))
		return 0;
	return (uint32_t)(-ret - NC2_ERR_BASE);
}

int nc2_err_from_wire(uint32_t v)
{
	int ret;

	if (v == 0 || v >= NC2_EP_LAST - NC2_ERR_BASE)
		return 0;
	ret = -(int)(v + NC2_ERR_BASE);
	return nc2_is_error(ret) ? ret : 0;
}
