// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - attach, detach and inspect netchannel2 (vif2) devices.
 *
 * Command line parsing, messages and the manual.  The commands live in
 * vif2.c and bypass.c; xs.c wraps libxenstore.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nc2ctl.h"

static const char nc2_manual[] =
"NAME\n"
"    nc2ctl - attach, detach and inspect netchannel2 (vif2) devices\n"
"\n"
"SYNOPSIS\n"
"    nc2ctl [OPTIONS] attach DOMAIN [mac=MAC] [bridge=NAME] [handle=N]\n"
"                            [backend=DOMAIN] [script=PATH]\n"
"                            [max-bypasses=N] [local-trusted=0|1]\n"
"                            [remote-trusted=0|1] [filter-mac=0|1]\n"
"                            [ip='ADDR ...'] [gateway=ADDR]\n"
"                            [vifname=NAME] [bypass-allow=POLICY]\n"
"    nc2ctl [OPTIONS] detach DOMAIN HANDLE [backend=DOMAIN]\n"
"    nc2ctl list [DOMAIN] [config-dir=DIR]\n"
"    nc2ctl bypass enable|disable DOMAIN_A DOMAIN_B [backend=DOMAIN]\n"
"    nc2ctl bypass allow DOMAIN POLICY [backend=DOMAIN]\n"
"    nc2ctl stats [DOMAIN]\n"
"    nc2ctl [OPTIONS] agent [config-dir=DIR] [once]\n"
"    nc2ctl [OPTIONS] devd [once]\n"
"    nc2ctl --help\n"
"\n"
"    DOMAIN is a domain id or a domain name as 'xl list' shows it.\n"
"\n"
"DESCRIPTION\n"
"    nc2ctl is the toolstack half of netchannel2: it writes the xenstore\n"
"    entries from which the netback2 and netfront2 drivers build a vif2\n"
"    device, as 'xl network-attach' does for a netchannel1 vif.  It must\n"
"    run as root in the domain that runs xenstored (normally dom0).\n"
"\n"
"OPTIONS\n"
"    -t, --timeout SECONDS\n"
"        How long attach waits for the backend to reach InitWait and\n"
"        detach waits for both ends to reach Closed (default 10).\n"
"    -n, --no-wait\n"
"        attach: write the entries and return at once; do not wait for\n"
"        the backend and do not run the hotplug script.\n"
"    -v, --verbose\n"
"        Say what is being done.\n"
"    -h, --help\n"
"        Print this manual.\n"
"\n"
"COMMANDS\n"
"    attach DOMAIN [KEY=VALUE...]\n"
"        Create a vif2 device for guest DOMAIN in one xenstore transaction:\n"
"        the frontend directory (owned by DOMID, readable by the backend)\n"
"        and the backend directory (owned by the backend domain, readable\n"
"        by DOMID), both in state 1 (Initialising).  Then wait for the\n"
"        backend to reach InitWait and run the hotplug script with\n"
"        'online' (environment: vif, XENBUS_PATH, XENBUS_TYPE=vif2,\n"
"        XENBUS_BASE_PATH=backend).  Keys:\n"
"          mac=XX:XX:XX:XX:XX:XX  guest MAC (default: random 00:16:3e:..)\n"
"          bridge=NAME            bridge for the hotplug script (xenbr0)\n"
"          handle=N               device number 0-1023 (lowest free)\n"
"          backend=DOMID          backend domain (0)\n"
"          script=PATH            hotplug script\n"
"                                 (/etc/xen/scripts/vif2-bridge)\n"
"          max-bypasses=N         bypasses this vif2 may hold (5)\n"
"          local-trusted=0|1      backend end is trusted (1)\n"
"          remote-trusted=0|1     guest end is trusted (0)\n"
"          filter-mac=0|1         drop guest frames with a foreign source\n"
"                                 MAC (1)\n""          ip='ADDR ...'          the guest's IPv4/IPv6 addresses, for a\n"
"                                 routed script (vif2-route: host routes,\n"
"                                 proxy ARP, source address filter)\n"
"          gateway=ADDR           routed: the backend domain's IPv4\n"
"                                 address the guest routes through\n"
"                                 (default: its first global one)\n"
"          vifname=NAME           backend interface name (vif2.D.H), e.g.\n"
"                                 to match existing 'vif+' firewall rules\n"
"          bypass-allow=POLICY    guests this one may share a bypass with:\n"
"                                 any, none, or domain ids or names\n"
"                                 (names become ids now); both ends must\n"
"                                 allow each other (default: any with\n"
"                                 vif2-bridge, none with other scripts)\n"
"        Prints 'attached vif2 DOMID/HANDLE: ...' once the entries exist.\n"
"\n"
"    detach DOMAIN HANDLE [backend=DOMAIN]\n"
"        Find the backend from backend directories only: the domain\n"
"        whose backend/vif2/DOMID/HANDLE names this device in its\n"
"        frontend-id and frontend keys (dom0 first if several do;\n"
"        backend= chooses).  The guest-writable frontend keys backend\n"
"        and backend-id are never read.\n"
"        Set the backend's online=0 and state=5 (Closing), wait up to\n"
"        --timeout seconds for frontend and backend to reach 6 (Closed),\n"
"        run the hotplug script with 'offline' if 'online' had run, and\n"
"        remove both directories.  If the drivers do not answer in time\n"
"        (for instance no driver is loaded) the entries are removed anyway\n"
"        after a warning.\n"
"\n"
"    list [DOMAIN] [config-dir=DIR]\n"
"        One line per vif2 device (of DOMAIN only, if given): domain id,\n"
"        handle, backend, MAC, bridge, both xenbus states, the domain's\n"
"        name, and how it compares with the declarations in\n"
"        /etc/nc2/domains (DECLARED: yes, differs (MAC or bridge), no);\n"
"        then one line per declared NIC that is not live ('not-running':\n"
"        no such domain; 'not-attached': the domain runs without it);\n"
"        then the bypass requests, if any.\n"
"\n"
"    bypass enable|disable DOMAIN_A DOMAIN_B [backend=DOMAIN]\n"
"        Ask the backend to set up (or tear down) a direct bypass ring\n"
"        between two guests that both have a vif2 on that backend.  Only\n"
"        the request is written; the backend reports in 'status'.\n"
"        netback2 also sets bypasses up by itself for a sustained flow\n"
"        between two of its guests (module parameters auto_bypass,\n"
"        auto_bypass_pps, auto_bypass_secs; bypass-allow applies):\n"
"        list shows those with ORIGIN auto, and TRAFFIC, when each\n"
"        last carried traffic by its ends' reports; an automatic one\n"
"        goes once idle (auto_bypass_idle_secs).  A disable written\n"
"        here stays, and keeps the pair from an automatic bypass.\n"
"\n"
"    bypass allow DOMAIN POLICY [backend=DOMAIN]\n"
"        Set bypass-allow (see attach) of every vif2 of DOMAIN on that\n"
"        backend.  The backend tears down at once each bypass of DOMAIN\n"
"        the new policy no longer allows (its status says why).\n"
"\n"
"    stats [DOMAIN]\n"
"        Print the counters the backend publishes for each vif2 under\n"
"        its stats/ directory.\n"
"\n"
"    agent [config-dir=DIR] [once]\n"
"        The lifecycle agent (nc2-agent.service runs it in dom0): NICs\n"
"        declared once in DIR/NAME.cfg (default /etc/nc2/domains; see\n"
"        nc2-domain.cfg(5)) follow their guest.  It watches xenstore's\n"
"        @introduceDomain and @releaseDomain (and looks every 2 s) and\n"
"        attaches the declared NICs of each new domain: after xl create,\n"
"        xl reboot, xl restore and on the receiving side of xl migrate\n"
"        (a domain named NAME--incoming counts as NAME).  It holds the\n"
"        domain paused while it attaches, so a restored guest finds its\n"
"        devices when it resumes.  When a domain is gone it runs the\n"
"        hotplug script's offline step and removes the domain's\n"
"        backend/vif2 directories and its bypass requests.  A NIC\n"
"        detached by hand stays detached until the domain is new again;\n"
"        SIGHUP applies every declaration to every running domain\n"
"        again.  --timeout bounds each attach (at least 30 s here).\n"
"        'once': one pass, then exit.  Logs to standard output, one\n"
"        line per action.\n"
"\n"
"    devd [once]\n"
"        Hotplug for a driver domain, as 'xl devd': run in a domain that\n"
"        runs netback2 for other guests.  It watches this domain's\n"
"        backend/vif2 directory and runs each device's hotplug script\n"
"        here, where the backend interface is: 'online' once the backend\n"
"        reached InitWait with online=1 and no hotplug-status, 'offline'\n"
"        once the toolstack set online=0, the backend closed or the\n"
"        directory went away.  attach and detach run the script only\n"
"        when the backend is the domain they run in; for any other\n"
"        backend=DOMAIN they leave it to that domain's devd.\n"
"\n"
"EXIT STATUS\n"
"    0  success (detach: also when the entries were removed after a\n"
"       timeout warning)\n"
"    1  error: unknown domain, missing backend domain, duplicate handle,\n"
"       no such device, xenstore not reachable, hotplug script failed\n"
"    2  bad arguments\n"
"    3  attach: the backend did not reach InitWait within --timeout;\n"
"       the entries stay in xenstore\n"
"\n"
"FILES\n"
"    /local/domain/DOMID/device/vif2/HANDLE/\n"
"        frontend: backend, backend-id, handle, mac, state\n"
"    /local/domain/BACKEND/backend/vif2/DOMID/HANDLE/\n"
"        backend: frontend, frontend-id, online, handle, mac, bridge,\n"
"        script, max-bypasses, local-trusted, remote-trusted, filter-mac,\n"
"        bypass-allow, ip, gateway, vifname, state; written by others:\n"
"        hotplug-status, stats/\n"
"    /local/domain/BACKEND/nc2/bypass/A-B/\n"
"        domid-a, domid-b, handle-a, handle-b, request, origin; status,\n"
"        error\n"
"    /etc/xen/scripts/vif2-bridge\n"
"        default hotplug script\n"
"    /etc/nc2/domains/NAME.cfg (or UUID.cfg)\n"
"        declared NICs of domain NAME:\n"
"        vif2 = [ 'mac=00:16:3e:00:02:01,bridge=xenbr0', ... ]\n"
"\n"
"    tools/nc2ctl/README.md in the nc2 sources defines every key.\n";

static void usage_hint(void)
{
	fprintf(stderr, "Try '%s --help' for the manual.\n", nc2_prog);
}

struct nc2_command {
	const char *name;
	int (*fn)(const struct nc2_opts *o, int argc, char **argv);
};

static const struct nc2_command nc2_commands[] = {
	{ "attach", nc2_cmd_attach },
	{ "detach", nc2_cmd_detach },
	{ "list", nc2_cmd_list },
	{ "bypass", nc2_cmd_bypass },
	{ "stats", nc2_cmd_stats },
	{ "agent", nc2_cmd_agent },
	{ "devd", nc2_cmd_devd },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nc2_opts o = { .timeout = NC2_DEFAULT_TIMEOUT };
	const struct nc2_command *cmd = NULL;
	unsigned int v;
	size_t i;
	int c, rc;

	while ((c = getopt_long(argc, argv, "t:nvh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (nc2_parse_uint("timeout", optarg, 3600, &v))
				return NC2_EXIT_USAGE;
			o.timeout = (int)v;
			break;
		case 'n':
			o.no_wait = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			fputs(nc2_manual, stdout);
			return NC2_EXIT_OK;
		default:
			usage_hint();
			return NC2_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		nc2_err("no command given");
		usage_hint();
		return NC2_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(nc2_commands) / sizeof(nc2_commands[0]); i++)
		if (!strcmp(argv[optind], nc2_commands[i].name))
			cmd = &nc2_commands[i];
	if (!cmd) {
		nc2_err("unknown command '%s'", argv[optind]);
		usage_hint();
		return NC2_EXIT_USAGE;
	}
	rc = cmd->fn(&o, argc - optind - 1, argv + optind + 1);
	if (rc == NC2_EXIT_USAGE)
		usage_hint();
	nc2_xs_close();
	return rc;
}
