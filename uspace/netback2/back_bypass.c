// SPDX-License-Identifier: MIT
/* Dom0 bypass, backend side (not yet): frontend messages are ignored. */
#include "back.h"
#include "util.h"

int back_bypass_msg(struct vif *v, const struct nc2_msg *m)
{
	logi("dom%u: bypass message %#x ignored", v->domid, m->type);
	return 0;
}
