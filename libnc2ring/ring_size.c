// SPDX-License-Identifier: MIT
/* Ring geometry shared by both ends. */
#include <nc2/ring.h>

bool nc2_ring_size_ok(uint32_t ring_bytes)
{
	return ring_bytes >= NC2_PAGE_SIZE &&
	       ring_bytes <= NC2_RING_MAX_BYTES &&
	       (ring_bytes & (ring_bytes - 1)) == 0;
}

void nc2_ctrl_reset(struct nc2_wire_ctrl *ctrl)
{
	nc2_memset(ctrl, 0, sizeof(*ctrl));
	/* The consumer wants to hear of the very first message. */
	ctrl->prod_event = nc2_cpu_to_le32(1);
}

uint32_t nc2_msg_copy(const struct nc2_msg *m, void *dst, uint32_t len)
{
	if (len > m->size)
		len = m->size;
	nc2_memcpy(dst, m->data, len);
	nc2_barrier();
	return len;
}
