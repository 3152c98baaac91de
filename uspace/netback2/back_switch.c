// SPDX-License-Identifier: MIT
/*
 * A learning switch: source MACs teach which port a station sits behind;
 * unknown, broadcast and multicast destinations are flooded.
 */
#include <string.h>

#include "back.h"

#define SW_ENTRIES 256

static struct {
	uint8_t mac[6];
	int port;
	bool used;
} tab[SW_ENTRIES];

static unsigned int slot_of(const uint8_t *mac)
{
	unsigned int h = 0;

	for (int i = 0; i < 6; i++)
		h = h * 31 + mac[i];
	return h % SW_ENTRIES;
}

void sw_learn(const uint8_t *mac, int port)
{
	unsigned int s = slot_of(mac);

	if (mac[0] & 1)
		return;
	/* Open addressing, linear probing; a full table just stops learning. */
	for (unsigned int i = 0; i < SW_ENTRIES; i++) {
		unsigned int k = (s + i) % SW_ENTRIES;

		if (!tab[k].used || !memcmp(tab[k].mac, mac, 6)) {
			tab[k].used = true;
			memcpy(tab[k].mac, mac, 6);
			tab[k].port = port;
			return;
		}
	}
}

int sw_lookup(const uint8_t *mac)
{
	unsigned int s = slot_of(mac);

	if (mac[0] & 1)
		return PORT_FLOOD;
	for (unsigned int i = 0; i < SW_ENTRIES; i++) {
		unsigned int k = (s + i) % SW_ENTRIES;

		if (!tab[k].used)
			break;
		if (!memcmp(tab[k].mac, mac, 6))
			return tab[k].port;
	}
	return PORT_FLOOD;
}

/* Forget everything behind port; rebuild so probing chains stay intact. */
void sw_forget(int port)
{
	static typeof(tab) old;

	memcpy(old, tab, sizeof(tab));
	memset(tab, 0, sizeof(tab));
	for (unsigned int i = 0; i < SW_ENTRIES; i++)
		if (old[i].used && old[i].port != port)
			sw_learn(old[i].mac, old[i].port);
}
