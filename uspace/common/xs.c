// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

int xs_printf(struct nc2_hv *hv, const char *dir, const char *key,
	      const char *fmt, ...)
{
	char path[256], val[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	return nc2_hv_store_write_str(hv, NC2_HV_TX_NONE, path, val);
}

int xs_read_str(struct nc2_hv *hv, const char *dir, const char *key,
		char *buf, size_t size)
{
	char path[256], *v;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	v = nc2_hv_store_read(hv, NC2_HV_TX_NONE, path, &len);
	if (!v)
		return -(errno ? errno : ENOENT);
	snprintf(buf, size, "%s", v);
	free(v);
	return 0;
}

int xs_read_u32(struct nc2_hv *hv, const char *dir, const char *key,
		uint32_t *val)
{
	char buf[32], *end;
	unsigned long v;
	int err = xs_read_str(hv, dir, key, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end || v > UINT32_MAX)
		return -EINVAL;
	*val = (uint32_t)v;
	return 0;
}

bool xs_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return true;
}
