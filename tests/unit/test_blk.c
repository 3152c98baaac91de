// SPDX-License-Identifier: MIT
/* The block example: a second device class on the same ring and ids. */
#include "fixture.h"
#include "blk.h"
#include <string.h>

static void test_block_protocol(void **state)
{
	static uint8_t disk[64 * BLK_SECTOR];
	struct tpair t;
	struct nc2_link_config ca, cb;
	struct nc2_link cl, sl;
	struct blk_server srv = { .link = &sl, .disk = disk, .sectors = 64 };
	uint8_t buf[BLK_SECTOR], got[BLK_SECTOR];
	uint32_t id, ids[64];
	int32_t status;
	struct nc2_msg m;

	tpair_alloc(&t, 1);
	tpair_config(&t, &ca, &cb, NC2_CLASS_BLOCK_EXAMPLE);
	cb.set_limit = 16; /* the server takes 16 requests at a time */
	assert_int_equal(nc2_link_init(&cl, &ca, t.a2b.ctrl, t.a2b.data, 4096,
				       t.b2a.ctrl, t.b2a.data, 4096), 0);
	assert_int_equal(nc2_link_init(&sl, &cb, t.b2a.ctrl, t.b2a.data, 4096,
				       t.a2b.ctrl, t.a2b.data, 4096), 0);
	nc2_link_start(&cl);
	nc2_link_start(&sl);
	nc2_link_push(&cl);
	nc2_link_push(&sl);
	assert_int_equal(nc2_link_poll(&cl, &m), 0);
	assert_int_equal(blk_serve(&srv), 0);

	/* Write 64 sectors, 16 in flight at a time (the credit). */
	for (uint32_t s = 0; s < 64; s++) {
		memset(buf, (int)s, sizeof(buf));
		while (blk_submit(&cl, BLK_OP_WRITE, s, buf, &ids[s]) ==
		       -NC2_E_AGAIN) {
			nc2_link_push(&cl);
			assert_true(blk_serve(&srv) >= 0);
			nc2_link_push(&sl);
			while (blk_reap(&cl, &id, &status, NULL) > 0)
				assert_int_equal(status, 0);
			nc2_link_release(&cl);
			nc2_link_release(&sl);
		}
	}
	nc2_link_push(&cl);
	while (srv.served < 64 || nc2_idpool_inflight(&cl.pool)) {
		assert_true(blk_serve(&srv) >= 0);
		nc2_link_push(&sl);
		nc2_link_release(&sl);
		while (blk_reap(&cl, &id, &status, NULL) > 0)
			assert_int_equal(status, 0);
		nc2_link_release(&cl);
	}
	for (uint32_t s = 0; s < 64; s++)
		assert_int_equal(disk[s * BLK_SECTOR + 100], s);

	/* Read one back; read past the end gets an error status. */
	assert_int_equal(blk_submit(&cl, BLK_OP_READ, 9, NULL, &id), 0);
	assert_int_equal(blk_submit(&cl, BLK_OP_READ, 64, NULL, &ids[0]), 0);
	assert_int_equal(blk_submit(&cl, 7, 0, NULL, &ids[1]), -NC2_E_INVAL);
	nc2_link_push(&cl);
	assert_int_equal(blk_serve(&srv), 2);
	nc2_link_push(&sl);
	assert_int_equal(blk_reap(&cl, &ids[2], &status, got), 1);
	assert_int_equal(ids[2], id);
	assert_int_equal(status, 0);
	memset(buf, 9, sizeof(buf));
	assert_memory_equal(got, buf, BLK_SECTOR);
	assert_int_equal(blk_reap(&cl, &ids[2], &status, got), 1);
	assert_int_equal(status, -22);
	/* A request beyond the server's declared limit fails it. */
	{
		uint8_t body[16] = { 16, 0, 0, 0, BLK_OP_READ };

		nc2_link_send(&cl, BLK_MSG_REQUEST, 0, body, sizeof(body));
		nc2_link_push(&cl);
		assert_int_equal(blk_serve(&srv), -NC2_EP_ID_RANGE);
	}
	/* And a forged response naming an id never sent fails the client. */
	{
		uint8_t body[12] = { 10, 0, 0, 0 };

		/* The server is failed already: forge below the link. */
		traw(&sl.tx, BLK_MSG_RESPONSE, 0, 16, body, sizeof(body));
		t.b2a.ctrl->prod = sl.tx.pvt;
		assert_int_equal(blk_reap(&cl, &id, &status, NULL),
				 -NC2_EP_ID_UNKNOWN);
	}
	tpair_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_protocol),
	};

	return cmocka_run_group_tests_name("blk", tests, NULL, NULL);
}
