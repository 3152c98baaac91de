// SPDX-License-Identifier: MIT
#include "util.h"

const char *nc2u_prog = "nc2";
volatile sig_atomic_t nc2u_quit;

static void on_quit(int sig)
{
	(void)sig;
	nc2u_quit = 1;
}

void nc2u_signals(void)
{
	struct sigaction sa = { .sa_handler = on_quit };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
