// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - messages and number parsing, shared by every command (and by
 * the config parser's unit test, which links this file without main.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nc2ctl.h"

const char *nc2_prog = "nc2ctl";

static void vmsg(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", nc2_prog, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void nc2_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void nc2_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void nc2_info(const struct nc2_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->verbose)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

int nc2_parse_uint(const char *what, const char *s, unsigned int max,
		   unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || s[0] == '+' || v > max) {
		nc2_err("bad %s '%s': expected a number from 0 to %u", what, s,
			max);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

int nc2_parse_uint_quiet(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s < '0' || *s > '9' || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int nc2_parse_domid(const char *what, const char *s, unsigned int *out)
{
	return nc2_parse_uint(what, s, NC2_DOMID_LIMIT - 1, out);
}


void nc2_log(const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stdout, "%s: ", who);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}
