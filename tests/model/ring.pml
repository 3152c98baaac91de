/*
 * ring.pml - the nc2 ring's index and event protocol, as libnc2ring
 * implements it (libnc2ring/ring_prod.c, ring_cons.c), for spin.
 * docs/model.md maps each step onto the C, line by line.
 *
 * One ring of R = 32 bytes (four 8-byte units), messages of 8 or 16 bytes
 * so a 16-byte one at the last unit needs an 8-byte PAD first, indices
 * that wrap mod 256 and start just before the wrap. The producer commits
 * one or two messages per push; the consumer may release after every
 * message or in a batch, and re-arms for any message or for 16 bytes.
 *
 * Memory: data writes are plain; each index or event store goes through
 * a one-entry store buffer that a separate process drains at any moment
 * (so a later load of the other side's word can overtake it, as on x86
 * and weaker); nc2_mb() waits for the writer's buffers to drain. Each
 * atomic step holds one shared access (or writes only units that are not
 * yet published) plus private computation; temporaries are zeroed after
 * use so that equal states compare equal. This is
 * what the barriers in the C allow; the mutants drop one of them.
 *
 * Checked: no unit is overwritten before the consumer released it; the
 * consumer only reads committed messages, in order; the honest producer
 * never trips the consumer's index validation (and vice versa); and no
 * lost wakeup: when nothing can move, the producer has sent everything
 * and the consumer has read all of it, or fewer bytes than it asked for.
 *
 * Mutants (spin -D...): NORECHECK (nc2_cons_rearm sleeps without looking
 * at prod again), NOMB_REARM (no nc2_mb() between its prod_event store and
 * that look), NOMB_PUSH (no nc2_mb() in nc2_prod_push), NOSPACE_RECHECK
 * (nc2_prod_want_space sleeps without looking at cons again), OVERFILL
 * (the producer's room check one unit off). check.sh requires each to
 * fail.
 */

#define R	32
#define START	232	/* the indices wrap at 256 within the run */
#define N	5	/* messages */
#define PAD	255	/* data[] value of a PAD unit */
#define M(x)	((x) & 255)
#ifdef OVERFILL
#define ROOM	(R + 8)	/* mutant: the producer's room check is one unit off */
#else
#define ROOM	R
#endif
#define UNIT(i)	(((i) & (R - 1)) / 8)

/* struct nc2_wire_ctrl, as memory holds it */
byte ctrl_prod = START, ctrl_cons = START;
byte ctrl_prod_event = START + 1, ctrl_cons_event = START;

/* store buffers, one entry per word: pending flag and value */
bool sb_prod, sb_cons, sb_pev, sb_cev;
byte sb_prod_v, sb_cons_v, sb_pev_v, sb_cev_v;

/* the ring: per 8-byte unit, the message number or PAD, and its size */
byte data[4], size[4];
bool busy[4];	/* ghost: written and not yet released by the consumer */

/* event channels: a pending bit each way */
bool cons_evt, prod_evt;

/* ghosts for the final check */
bool p_done;
byte c_seq, c_pvt = START, c_minb = 1;

#define STORE(sb, v, x)	(!sb) -> v = x; sb = true
#define MB_PROD	(!sb_prod && !sb_cev)
#define MB_CONS	(!sb_cons && !sb_pev)

/* The other side: drain any pending store at any time. */
active proctype memory()
{
end:
	do
	:: atomic { sb_prod -> ctrl_prod = sb_prod_v; sb_prod = false; sb_prod_v = 0 }
	:: atomic { sb_cev -> ctrl_cons_event = sb_cev_v; sb_cev = false; sb_cev_v = 0 }
	:: atomic { sb_cons -> ctrl_cons = sb_cons_v; sb_cons = false; sb_cons_v = 0 }
	:: atomic { sb_pev -> ctrl_prod_event = sb_pev_v; sb_pev = false; sb_pev_v = 0 }
	od
}

/* nc2_prod_push(): publish pvt, notify iff prod_event in (old, new] */
inline push()
{
	if
	:: pvt != pushed ->
		atomic { old = pushed; STORE(sb_prod, sb_prod_v, pvt); pushed = pvt };
		atomic {
#ifndef NOMB_PUSH
			MB_PROD;
#endif
			ev = ctrl_prod_event
		};
		atomic {
			if
			:: M(pvt - ev) < M(pvt - old) -> cons_evt = true
			:: else -> skip
			fi;
			ev = 0; old = 0
		}
	:: else -> skip
	fi
}

/* refresh_cons(): read cons once; it may not pass what we pushed */
inline refresh_cons()
{
	atomic {
		assert(M(ctrl_cons - p_cons) <= M(pushed - p_cons) &&
		       (ctrl_cons & 7) == 0);
		p_cons = ctrl_cons
	}
}

active proctype producer()
{
	byte pvt = START, pushed = START, p_cons = START;
	byte seq, mlen, pad, need, batch, old, ev;

	do
	:: seq == N -> break
	:: else ->
		/* one or two commits, then one push */
		if
		:: batch = 1
		:: seq + 2 <= N -> batch = 2
		fi;
		do
		:: batch == 0 -> break
		:: else ->
			if
			:: mlen = 8
			:: mlen = 16
			fi;
			/* nc2_prod_reserve(): cost() and the room check */
reserve:
			atomic {
				pad = (mlen > R - (pvt & (R - 1)) ->
				       R - (pvt & (R - 1)) : 0);
				need = pad + mlen
			};
			if
			:: need > ROOM - M(pvt - p_cons) ->
				refresh_cons();
				if
				:: need > ROOM - M(pvt - p_cons) ->
					/* -NC2_E_AGAIN: push what we have, wait for room */
					push();
					/* nc2_prod_want_space() */
					atomic { STORE(sb_cev, sb_cev_v, M(pvt + need - R)) };
#ifndef NOSPACE_RECHECK
					atomic { MB_PROD; refresh_cons() };
					if
					:: need <= ROOM - M(pvt - p_cons) -> goto reserve
					:: else -> skip
					fi;
#endif
end_psleep:
					atomic { prod_evt -> prod_evt = false };
					goto reserve
				:: else -> skip
				fi
			:: else -> skip
			fi;
			/* nc2_prod_commit(): PAD first if needed, then the message */
			atomic {
				if
				:: pad ->
					assert(!busy[UNIT(pvt)]);
					data[UNIT(pvt)] = PAD; size[UNIT(pvt)] = pad;
					busy[UNIT(pvt)] = true;
					pvt = M(pvt + pad)
				:: else -> skip
				fi;
				assert(!busy[UNIT(pvt)]);
				data[UNIT(pvt)] = seq; size[UNIT(pvt)] = mlen;
				busy[UNIT(pvt)] = true;
				if
				:: mlen == 16 ->
					assert(!busy[UNIT(pvt + 8)]);
					data[UNIT(pvt + 8)] = seq;
					size[UNIT(pvt + 8)] = 0;
					busy[UNIT(pvt + 8)] = true
				:: else -> skip
				fi;
				pvt = M(pvt + mlen);
				seq++;
				batch--;
				pad = 0; need = 0; mlen = 0
			}
		od;
		push()
	od;
	p_done = true
}

/* refresh_prod(): read prod once; never more than a ring past released */
inline refresh_prod()
{
	atomic {
		assert((ctrl_prod & 7) == 0 && M(ctrl_prod - released) <= R &&
		       M(ctrl_prod - released) >= M(cprod - released));
		cprod = ctrl_prod
	}
}

/* nc2_cons_release(): hand back, notify iff cons_event in (old, new] */
inline release()
{
	if
	:: c_pvt != released ->
		atomic {
			/* ghost: the units up to c_pvt are free again */
			old = released;
			do
			:: old != c_pvt -> busy[UNIT(old)] = false; old = M(old + 8)
			:: else -> break
			od;
			old = released;
			STORE(sb_cons, sb_cons_v, c_pvt);
			released = c_pvt
		};
		atomic { MB_CONS; ev = ctrl_cons_event };
		atomic {
			if
			:: M(c_pvt - ev) < M(c_pvt - old) -> prod_evt = true
			:: else -> skip
			fi;
			ev = 0; old = 0
		}
	:: else -> skip
	fi
}

active proctype consumer()
{
	byte cprod = START, released = START, old, ev, u;

	do
	::
		/* while (nc2_cons_peek() > 0) { handle; nc2_cons_consume(); } */
		do
		:: c_pvt == cprod ->
			refresh_prod();
			if
			:: c_pvt == cprod -> break
			:: else -> skip
			fi
		:: c_pvt != cprod ->
			atomic {
				u = UNIT(c_pvt);
				assert(size[u] >= 8 && size[u] <= M(cprod - c_pvt) &&
				       (c_pvt & (R - 1)) + size[u] <= R);
				if
				:: data[u] == PAD -> c_pvt = M(c_pvt + size[u])
				:: else ->
					/* only committed messages, each once, in order */
					assert(data[u] == c_seq && busy[u]);
					assert(size[u] == 8 ||
					       (data[UNIT(c_pvt + 8)] == c_seq &&
						busy[UNIT(c_pvt + 8)]));
					c_pvt = M(c_pvt + size[u]);
					c_seq++
				fi;
				u = 0
			};
			/* release per message, or batch them */
			if
			:: release()
			:: skip
			fi
		od;
		release();
		/* nc2_cons_rearm(c, min_bytes) */
		if
		:: c_pvt != cprod -> skip
		:: else ->
			atomic {
				if
				:: c_minb = 1
				:: c_minb = 16
				fi;
				STORE(sb_pev, sb_pev_v, M(c_pvt + c_minb))
			};
#ifndef NORECHECK
			atomic {
#ifndef NOMB_REARM
				MB_CONS;
#endif
				refresh_prod()
			};
#endif
			if
			:: c_pvt != cprod -> skip
			:: else ->
end_csleep:
				atomic { cons_evt -> cons_evt = false }
			fi
		fi
	od
}

/*
 * When nothing else can move: everything sent, and everything read or
 * the consumer asleep on a threshold that has not been reached.
 */
active proctype watchdog()
{
	timeout ->
		assert(p_done &&
		       (c_seq == N || M(ctrl_prod - c_pvt) < c_minb))
}
