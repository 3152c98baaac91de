/* SPDX-License-Identifier: MIT */
/* Store helpers: formatted keys, integer values. */
#ifndef NC2U_XS_H
#define NC2U_XS_H

#include <stdbool.h>
#include <stdint.h>

#include "hv.h"

/* Write the formatted value to dir/key. */
int xs_printf(struct nc2_hv *hv, const char *dir, const char *key,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Read dir/key as an unsigned number; -ENOENT/-EINVAL on failure. */
int xs_read_u32(struct nc2_hv *hv, const char *dir, const char *key,
		uint32_t *val);

/* Read dir/key into buf (NUL-terminated); -errno on failure. */
int xs_read_str(struct nc2_hv *hv, const char *dir, const char *key,
		char *buf, size_t size);

/* Parse "aa:bb:cc:dd:ee:ff". */
bool xs_parse_mac(const char *s, uint8_t mac[6]);

#endif
