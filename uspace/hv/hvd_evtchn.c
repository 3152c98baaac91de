// SPDX-License-Identifier: MIT
/*
 * Event channels.  Each port owns an eventfd.  A bound peer receives the
 * eventfd of the other end, so notify is one write() with no daemon round
 * trip.  The daemon publishes each port's state and bind generation in a
 * page the guest maps read-only, so a client can tell a cached peer fd is
 * stale without asking.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hvd.h"

static void publish(struct hvd_dom *d, uint32_t port)
{
	struct hvd_port *p = &d->ports[port];

	__atomic_store_n(&d->evst[port], (p->gen << 2) | p->state,
			 __ATOMIC_RELEASE);
}

static int port_new(struct hvd_dom *d, uint16_t rdom)
{
	/* Port 0 is never valid, as in Xen. */
	for (uint32_t i = 1; i < NC2_HV_EVTCHN_PORTS; i++) {
		struct hvd_port *p = &d->ports[i];

		if (p->state != NC2_HV_EVTCHN_CLOSED)
			continue;
		p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->efd < 0)
			return -errno;
		p->state = NC2_HV_EVTCHN_UNBOUND;
		p->rdom = rdom;
		p->rport = 0;
		p->gen++;
		publish(d, i);
		return i;
	}
	return -ENOSPC;
}

int hvd_evt_alloc(struct hvd_dom *d, uint16_t remote, int *efd)
{
	int port;

	if (remote == NC2_DOMID_SELF)
		remote = d->id;
	if (remote >= HVD_MAX_DOMS)
		return -ESRCH;
	port = port_new(d, remote);
	if (port > 0)
		*efd = d->ports[port].efd;
	return port;
}

int hvd_evt_bind(struct hvd_dom *d, uint16_t rdom, uint32_t rport, int *fds)
{
	struct hvd_dom *r = hvd_dom_get(rdom == NC2_DOMID_SELF ? d->id : rdom);
	struct hvd_port *rp, *lp;
	int port;

	if (!r)
		return -ESRCH;
	if (rport == 0 || rport >= NC2_HV_EVTCHN_PORTS)
		return -EINVAL;
	rp = &r->ports[rport];
	if (rp->state != NC2_HV_EVTCHN_UNBOUND || rp->rdom != d->id)
		return -EINVAL;
	port = port_new(d, r->id);
	if (port < 0)
		return port;
	lp = &d->ports[port];
	lp->state = NC2_HV_EVTCHN_INTERDOMAIN;
	lp->rport = rport;
	publish(d, port);
	rp->state = NC2_HV_EVTCHN_INTERDOMAIN;
	rp->rport = port;
	rp->gen++;
	publish(r, rport);
	fds[0] = lp->efd;
	fds[1] = rp->efd;
	return port;
}

int hvd_evt_peerfd(struct hvd_dom *d, uint32_t port, int *fd, uint32_t *gen)
{
	struct hvd_port *p;
	struct hvd_dom *r;

	if (port == 0 || port >= NC2_HV_EVTCHN_PORTS)
		return -EINVAL;
	p = &d->ports[port];
	if (p->state != NC2_HV_EVTCHN_INTERDOMAIN)
		return -ENOTCONN;
	r = hvd_dom_get(p->rdom);
	if (!r)
		return -ENOTCONN;
	*fd = r->ports[p->rport].efd;
	*gen = p->gen;
	return 0;
}

int hvd_evt_close(struct hvd_dom *d, uint32_t port)
{
	struct hvd_port *p;

	if (port == 0 || port >= NC2_HV_EVTCHN_PORTS)
		return -EINVAL;
	p = &d->ports[port];
	if (p->state == NC2_HV_EVTCHN_CLOSED)
		return -EINVAL;
	if (p->state == NC2_HV_EVTCHN_INTERDOMAIN) {
		struct hvd_dom *r = hvd_dom_get(p->rdom);

		if (r) {
			struct hvd_port *rp = &r->ports[p->rport];
			uint64_t one = 1;

			/* Peer's end reverts to unbound, as in Xen. */
			rp->state = NC2_HV_EVTCHN_UNBOUND;
			rp->rport = 0;
			rp->gen++;
			publish(r, p->rport);
			/* Wake the peer so it looks at the port state. */
			if (write(rp->efd, &one, sizeof(one)) < 0) {
				/* counter saturated: the peer is awake anyway */
			}
		}
	}
	close(p->efd);
	p->efd = -1;
	p->state = NC2_HV_EVTCHN_CLOSED;
	p->gen++;
	publish(d, port);
	return 0;
}

void hvd_evt_dom_dead(struct hvd_dom *d)
{
	for (uint32_t i = 1; i < NC2_HV_EVTCHN_PORTS; i++)
		if (d->ports[i].state != NC2_HV_EVTCHN_CLOSED)
			hvd_evt_close(d, i);
}
