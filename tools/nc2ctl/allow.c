// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - the bypass-allow policy as the admin writes it, turned into
 * the text nc2ctl stores in xenstore (attach's bypass-allow= and
 * "bypass allow" both take it).
 */
#include <stdio.h>
#include <string.h>

#include <nc2/xenbus.h>
#include "nc2ctl.h"

int nc2_bypass_policy_text(const char *s, char *out, size_t size)
{
	struct nc2_policy p;
	char buf[NC2_POLICY_MAX_TEXT + 1], *tok, *save = NULL;
	size_t n = 0;
	int rc;

	if (strlen(s) > NC2_POLICY_MAX_TEXT) {
		nc2_err("bypass-allow: longer than %u characters",
			NC2_POLICY_MAX_TEXT);
		return NC2_EXIT_USAGE;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	out[0] = '\0';
	for (tok = strtok_r(buf, " ,\t", &save); tok;
	     tok = strtok_r(NULL, " ,\t", &save)) {
		unsigned int d;
		int w;

		if (!strcmp(tok, "any") || !strcmp(tok, "none")) {
			w = snprintf(out + n, size - n, "%s%s", n ? " " : "",
				     tok);
		} else {
			rc = nc2_resolve_domain(NC2_XS_BYPASS_ALLOW, tok, &d);
			if (rc)
				return rc;
			w = snprintf(out + n, size - n, "%s%u", n ? " " : "",
				     d);
		}
		if (w < 0 || (size_t)w >= size - n) {
			nc2_err("bypass-allow: too long once names are ids");
			return NC2_EXIT_USAGE;
		}
		n += (size_t)w;
	}
	if (nc2_policy_parse(&p, out, n)) {
		nc2_err("bypass-allow '%s': expected any, none, or up to %u "
			"domain ids or names", s, NC2_POLICY_MAX_PEERS);
		return NC2_EXIT_USAGE;
	}
	return 0;
}
