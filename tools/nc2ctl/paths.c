// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - where vif2 devices and bypass requests live in xenstore: the
 * paths of both, and walks over the devices.  Every command that finds a
 * device or a request builds its path here, from the names in
 * nc2/xenbus.h, so the layout is written down once.
 */
#include <stdlib.h>

#include <nc2/xenbus.h>
#include "nc2ctl.h"

void nc2_fe_path(char *buf, unsigned int domid, unsigned int handle)
{
	nc2_path(buf, NC2_XS_FE_PATH, domid, handle);
}

void nc2_be_path(char *buf, unsigned int backend, unsigned int domid,
		 unsigned int handle)
{
	nc2_path(buf, NC2_XS_BE_PATH, backend, domid, handle);
}

void nc2_be_dom_path(char *buf, unsigned int backend, unsigned int domid)
{
	nc2_path(buf, NC2_XS_BE_DOM_PATH, backend, domid);
}

void nc2_be_root_path(char *buf, unsigned int backend)
{
	nc2_path(buf, NC2_XS_BE_ROOT_PATH, backend);
}

void nc2_bypass_root_path(char *buf, unsigned int backend)
{
	nc2_path(buf, NC2_XS_DOM_PATH "/" NC2_XS_BYPASS_DIR, backend);
}

void nc2_bypass_path(char *buf, unsigned int backend, unsigned int a,
		     unsigned int b)
{
	nc2_path(buf, NC2_XS_DOM_PATH "/" NC2_XS_BYPASS_DIR "/%u-%u", backend,
		 a, b);
}

int nc2_first_handle(struct xs_handle *h, xs_transaction_t t,
		     unsigned int backend, unsigned int domid)
{
	char path[NC2_PATH_MAX];
	unsigned int i, n;
	char **ents;
	int best = -1;

	nc2_be_dom_path(path, backend, domid);
	ents = xs_directory(h, t, path, &n);
	if (!ents)
		return -1;
	for (i = 0; i < n; i++) {
		char *end;
		long v = strtol(ents[i], &end, 10);

		if (*end || end == ents[i] || v < 0 || v > NC2_MAX_HANDLE)
			continue;
		if (best < 0 || v < best)
			best = (int)v;
	}
	free(ents);
	return best;
}

int nc2_for_each_vif2(struct xs_handle *h, int only,
		      void (*fn)(struct xs_handle *h, unsigned int backend,
				 unsigned int domid, unsigned int handle,
				 void *arg),
		      void *arg)
{
	char path[NC2_PATH_MAX];
	unsigned int nb, nd, nh, i, j, k;
	char **doms, **fes, **hs;
	int count = 0;

	doms = xs_directory(h, XBT_NULL, NC2_XS_LOCAL_DOMAIN, &nb);
	for (i = 0; doms && i < nb; i++) {
		unsigned int b = strtoul(doms[i], NULL, 10);

		nc2_be_root_path(path, b);
		fes = xs_directory(h, XBT_NULL, path, &nd);
		for (j = 0; fes && j < nd; j++) {
			unsigned int d = strtoul(fes[j], NULL, 10);

			if (only >= 0 && (unsigned int)only != d)
				continue;
			nc2_be_dom_path(path, b, d);
			hs = xs_directory(h, XBT_NULL, path, &nh);
			for (k = 0; hs && k < nh; k++) {
				fn(h, b, d, strtoul(hs[k], NULL, 10), arg);
				count++;
			}
			free(hs);
		}
		free(fes);
	}
	free(doms);
	return count;
}
