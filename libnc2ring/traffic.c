// SPDX-License-Identifier: MIT
/* A frontend's report of its bypasses' traffic: text in, text out. */
#include <nc2/error.h>
#include <nc2/traffic.h>

/* Decimal digits of v into p (no NUL); their number. */
static uint32_t put_u64(char *p, uint64_t v)
{
	char tmp[20];
	uint32_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

int nc2_traffic_format(char *buf, size_t size, const struct nc2_traffic *in,
		       uint32_t n)
{
	char tmp[NC2_TRAFFIC_MAX_TEXT];
	uint32_t i, len = 0;

	if (n > NC2_TRAFFIC_MAX || !size)
		return -NC2_E_INVAL;
	for (i = 0; i < n; i++) {
		if (i)
			tmp[len++] = ' ';
		len += put_u64(tmp + len, in[i].handle);
		tmp[len++] = ':';
		len += put_u64(tmp + len, in[i].packets);
	}
	if (len + 1 > size)
		return -NC2_E_INVAL;
	nc2_memcpy(buf, tmp, len);
	buf[len] = '\0';
	return (int)len;
}

/* A decimal number of at most max digits from s[*i]; false if none. */
static bool get_u64(const char *s, size_t len, size_t *i, uint32_t max,
		    uint64_t *v)
{
	uint32_t n = 0;

	*v = 0;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		uint64_t d = (uint64_t)(s[*i] - '0');

		if (++n > max || *v > (~0ull - d) / 10)
			return false;
		*v = *v * 10 + d;
		(*i)++;
	}
	return n > 0;
}

int nc2_traffic_parse(const char *s, size_t len, struct nc2_traffic *out)
{
	uint32_t n = 0;
	size_t i = 0;

	if (len && (s[len - 1] == '\0' || s[len - 1] == '\n'))
		len--;
	if (len > NC2_TRAFFIC_MAX_TEXT)
		return -NC2_E_INVAL;
	while (i < len) {
		uint64_t h, p;

		if (s[i] == ' ') {
			i++;
			continue;
		}
		/* A handle fits 32 bits, a count 64: no overflow either way. */
		if (n == NC2_TRAFFIC_MAX || !get_u64(s, len, &i, 10, &h) ||
		    !h || h > 0xFFFFFFFFu || i >= len || s[i++] != ':' ||
		    !get_u64(s, len, &i, 20, &p) || (i < len && s[i] != ' '))
			return -NC2_E_INVAL;
		out[n].handle = (uint32_t)h;
		out[n].packets = p;
		n++;
	}
	return (int)n;
}
