// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - a vif2 device's hotplug script: its interface name and
 * running it, in the environment libxl gives vif scripts, where the
 * backend's interface is.  attach, detach, the agent's clean-up and devd
 * all run the script through here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nc2/xenbus.h>
#include "nc2ctl.h"

/* Interface name: the backend may publish "vifname"; else vif2.D.H. */
void nc2_vif_name(struct xs_handle *h, const char *be, unsigned int domid,
		  unsigned int handle, char *name, size_t len)
{
	char path[NC2_PATH_MAX];
	char *v;

	nc2_path(path, "%s/" NC2_XS_VIFNAME, be);
	v = nc2_xs_read(h, XBT_NULL, path);
	if (v && *v && strlen(v) < len && !strpbrk(v, "/ \t"))
		snprintf(name, len, "%s", v);
	else
		snprintf(name, len, "vif2.%u.%u", domid, handle);
	free(v);
}

int nc2_hotplug_exec(const struct nc2_opts *o, const char *script,
		     const char *be, const char *vif, const char *action)
{
	int status;
	pid_t pid;

	nc2_info(o, "running %s %s for %s", script, action, vif);
	pid = fork();
	if (pid < 0) {
		nc2_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		setenv("XENBUS_PATH", be, 1);
		setenv("XENBUS_TYPE", NC2_XS_DEVICE, 1);
		setenv("XENBUS_BASE_PATH", NC2_XS_BACKEND_DIR, 1);
		setenv("vif", vif, 1);
		execl(script, script, action, (char *)NULL);
		fprintf(stderr, "%s: cannot run %s: %s\n", nc2_prog, script,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			nc2_err("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		nc2_err("hotplug script %s %s failed (status %d)", script,
			action, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

/* nc2_hotplug_exec() with the script and interface name read from @be. */
static int hotplug_from_xs(struct xs_handle *h, const struct nc2_opts *o,
			   const char *be, unsigned int domid,
			   unsigned int handle, const char *action)
{
	char path[NC2_PATH_MAX], vif[32];
	char *script;
	int rc;

	nc2_path(path, "%s/" NC2_XS_SCRIPT, be);
	script = nc2_xs_read(h, XBT_NULL, path);
	if (!script || !*script) {
		free(script);
		return 0;
	}
	nc2_vif_name(h, be, domid, handle, vif, sizeof(vif));
	rc = nc2_hotplug_exec(o, script, be, vif, action);
	free(script);
	return rc;
}

/*
 * The hotplug script runs where the backend's interface is: in this
 * domain when it is the backend, else in the backend (driver) domain,
 * whose "nc2ctl devd" does it.
 */
int nc2_run_hotplug(struct xs_handle *h, const struct nc2_opts *o,
		    const char *be, unsigned int backend, unsigned int domid,
		    unsigned int handle, const char *action)
{
	int self = nc2_self_domid(h);

	/* No "domid" key: nc2ctl runs where xenstored runs, dom0. */
	if (self < 0)
		self = 0;
	if ((int)backend != self) {
		nc2_info(o, "hotplug %s for %s is domain %u's (nc2ctl devd)",
			 action, be, backend);
		return 0;
	}
	return hotplug_from_xs(h, o, be, domid, handle, action);
}
