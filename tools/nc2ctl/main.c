// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - attach, detach and inspect netchannel2 (vif2) devices.
 *
 * The command line: options, then one command, dispatched to the file
 * that implements it (nc2ctl.h shows the layers).  The manual is in
 * manual.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "nc2ctl.h"

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
