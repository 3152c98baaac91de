// SPDX-License-Identifier: MIT
/*
 * Fuzz the forwarding ledger against a plain model: any sequence of
 * verbs, valid or not, must answer each live entry exactly once, only
 * after its destination is done and its grants ended, never an orphan
 * or an abandoned one, and keep its counters true.
 */
#include "fuzz.h"

#define CAP 16u
#define SRCS 4u

struct model {
	bool live, done, orphan, answered;
	uint32_t src, gen, id, grants;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size };
	struct nc2_fwd_entry ents[CAP];
	struct nc2_fwdledger fl;
	struct model m[CAP];
	uint32_t next_id = 0, steps = 0;

	memset(m, 0, sizeof(m));
	FUZZ_CHECK(nc2_fwdl_init(&fl, ents, CAP) == 0);
	while (fin_left(&in) && steps++ < 4096) {
		uint8_t op = fin_u8(&in), arg = fin_u8(&in);
		uint32_t h = arg % (CAP + 2), used = 0, orphans = 0;
		uint32_t src, gen, id;
		int r;

		switch (op % 6) {
		case 0:
			r = nc2_fwdl_add(&fl, arg % SRCS, op, next_id,
					 fin_u8(&in) % 5, &h);
			if (r == 0) {
				FUZZ_CHECK(h < CAP && !m[h].live);
				m[h] = (struct model){ .live = true,
					.src = arg % SRCS, .gen = op,
					.id = next_id++ };
				m[h].grants = ents[h].grants;
			}
			break;
		case 1:
			r = nc2_fwdl_dest_done(&fl, h);
			FUZZ_CHECK(!r == (h < CAP && m[h].live && !m[h].done &&
					  !(m[h].done && !m[h].grants)));
			if (!r)
				m[h].done = true;
			break;
		case 2: {
			uint32_t n = fin_u8(&in) % 3;
			bool ready = h < CAP && m[h].live && m[h].done &&
				     !m[h].grants;

			r = nc2_fwdl_grant_ended(&fl, h, n);
			FUZZ_CHECK(!r == (h < CAP && m[h].live && !ready &&
					  n <= m[h].grants));
			if (!r)
				m[h].grants -= n;
			break;
		}
		case 3:
			nc2_fwdl_source_gone(&fl, arg % SRCS);
			for (uint32_t i = 0; i < CAP; i++)
				if (m[i].live && m[i].src == arg % SRCS)
					m[i].orphan = true;
			break;
		case 4: {
			bool ready = h < CAP && m[h].live && m[h].done &&
				     !m[h].grants;

			r = nc2_fwdl_abandon(&fl, h);
			FUZZ_CHECK(!r == (h < CAP && m[h].live && !ready));
			if (!r)
				m[h].live = false;
			break;
		}
		default:
			while (nc2_fwdl_next_answer(&fl, &src, &gen, &id) > 0) {
				uint32_t i;

				for (i = 0; i < CAP; i++)
					if (m[i].live && m[i].id == id)
						break;
				FUZZ_CHECK(i < CAP);
				FUZZ_CHECK(m[i].done && !m[i].grants &&
					   !m[i].orphan);
				FUZZ_CHECK(m[i].src == src && m[i].gen == gen);
				m[i].live = false;
			}
			/* Whatever is ready now was answered or dropped. */
			for (uint32_t i = 0; i < CAP; i++)
				if (m[i].live && m[i].done && !m[i].grants)
					m[i].live = false;
			break;
		}
		/* An orphan that became ready is freed at once. */
		for (uint32_t i = 0; i < CAP; i++)
			if (m[i].live && m[i].orphan && m[i].done &&
			    !m[i].grants && ents[i].state == 0)
				m[i].live = false;
		for (uint32_t i = 0; i < CAP; i++) {
			used += m[i].live;
			orphans += m[i].live && m[i].orphan;
		}
		FUZZ_CHECK(nc2_fwdl_used(&fl) == used);
		FUZZ_CHECK(nc2_fwdl_orphans(&fl) == orphans);
	}
	return 0;
}
