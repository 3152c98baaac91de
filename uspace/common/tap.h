/* SPDX-License-Identifier: MIT */
/*
 * TAP devices with a virtio_net_hdr in front of every frame, so that
 * checksum and segmentation offload cross the device as metadata and a
 * 64 KiB TCP segment is one read.
 */
#ifndef NC2U_TAP_H
#define NC2U_TAP_H

#include <linux/virtio_net.h>

/* Open (creating) TAP @name in the caller's netns, non-blocking. */
int tap_open(const char *name);

#endif
