/* SPDX-License-Identifier: MIT */
/*
 * nc2/errno.h - a library return value as the platform's errno, for the
 * drivers' boundary with an errno world (a kernel probe or ndo function,
 * a userspace syscall-style wrapper). nc2/error.h says why the two
 * domains never mix.
 *
 * The library itself has no errno: include this after the platform's
 * own definitions (<linux/errno.h> in the kernel, <errno.h> elsewhere),
 * which give the E* names their values.
 */
#ifndef NC2_ERRNO_H
#define NC2_ERRNO_H

#include <nc2/error.h>

/*
 * ret as an errno return: counts, 0 and anything that is already an
 * errno pass unchanged; a protocol error is -EPROTO; the local codes map
 * to their nearest errno; any other library code (a new one this table
 * does not know yet) is -EINVAL.
 */
static inline int nc2_errno(int ret)
{
	if (ret > -NC2_ERR_BASE)
		return ret;
	if (nc2_is_protocol_error(ret))
		return -EPROTO;
	switch (-ret) {
	case NC2_E_AGAIN:
		return -EAGAIN;
	case NC2_E_LIMIT:
		return -EMSGSIZE;
	case NC2_E_STATE:
		return -ENOTCONN;
	case NC2_E_CLOSED:
		return -ECONNRESET;
	default:
		return -EINVAL;
	}
}

#endif /* NC2_ERRNO_H */
