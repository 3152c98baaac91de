#!/usr/bin/env python3
"""Write the hand-made seed inputs of each harness into <name>/corpus/.

Seeds are well-formed conversations the fuzzer would take long to find
by itself (a full handshake, packets with fragments, a ring that wraps);
it mutates them into hostile ones. Run again after changing an input
format; the fuzzer's own finds are merged in by run.sh soak.
"""
import os
import struct

top = os.path.dirname(os.path.abspath(__file__))


def put(name, seed, data):
    d = os.path.join(top, name, 'corpus')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed-' + seed), 'wb') as f:
        f.write(data)


def msg(typ, body, flags=0):
    size = (4 + len(body) + 7) & ~7
    return (struct.pack('<BBH', typ, flags, size) + body).ljust(size, b'\0')


def packet(pid, ptype, frags, prefix, flags=0, gso=0, gso_size=0, cs=0,
           co=0, hdr_len=0, total=None, res=(0, 0)):
    if total is None:
        total = len(prefix) + sum(f[2] for f in frags)
    body = struct.pack('<IBBBBHHHHHHII', pid, ptype, flags, gso, len(frags),
                       len(prefix), gso_size, cs, co, hdr_len, res[0], total,
                       res[1])
    for g, off, ln in frags:
        body += struct.pack('<IHH', g, off, ln)
    return msg(0x40, body + prefix)


def u32(v):
    return struct.pack('<I', v)


hello_net = msg(1, struct.pack('<HHII', 1, 1, 1, 0))
hello_blk = msg(1, struct.pack('<HHII', 1, 2, 1, 0))
set_max = msg(2, u32(16))
set_frags = msg(0x42, u32(4))
set_inline = msg(0x43, u32(512))
set_off = msg(0x41, u32(0xf))
small = packet(0, 0, [], bytes(range(60)))
frag2 = packet(3, 1, [(7, 0, 1000), (8, 100, 200)], bytes(range(14)))
gso = packet(4, 1, [(9, 0, 4000)], bytes(54), flags=1, gso=1, gso_size=1448,
             cs=34, co=16, hdr_len=54)
finish = msg(3, struct.pack('<HHI', 1, 0, 0))
close = msg(4, u32(0))
bp_front = msg(0x50, struct.pack('<IH6sBBHI', 1, 5, b'\x02' * 6, 1, 0, 2, 0))
bp_ready = msg(0x53, u32(1))
bp_back = msg(0x51, struct.pack('<IH6sBBHIHHI', 1, 5, b'\x02' * 6, 0, 0, 0,
                                 9, 1, 0, 77) + struct.pack('<II', 10, 11))

# Consumer: mode, pages, base, prod delta, ring image, then operations.
def consumer(mode, pages, base, image, ops, delta=None):
    if delta is None:
        delta = len(image)
    return (bytes([mode, pages]) + u32(base) + struct.pack('<HH', delta,
            len(image)) + image + ops)

POLL, CONSUME, RELEASE, REARM = b'\0', b'\2', b'\3', b'\4'
polls = (POLL + CONSUME + RELEASE) * 6 + REARM + b'\0\0'
ring_img = hello_net + small + frag2 + set_max
put('consumer', 'ring', consumer(0, 0, 0, ring_img, polls))
put('consumer', 'ring-wrap', consumer(0, 0, 0xfffffff0, ring_img, polls))
pad_img = msg(0xff, bytes(4096 - 64 - 4)) + small
put('consumer', 'ring-pad', consumer(0, 0, 0, hello_net + pad_img, polls))
net_img = (hello_net + set_max + set_frags + set_inline + set_off + small +
           frag2 + gso + finish + bp_front + bp_back + bp_ready + close)
start = b'\x0b\x03'
put('consumer', 'net-front', consumer(2 | 0x40, 1, 0, net_img,
                                      start + polls + b'\x0b\x01' + polls))
put('consumer', 'net-back', consumer(2 | 0x40 | 4, 0, 0x1000, net_img,
                                     start + polls))
put('consumer', 'link-blk', consumer(1 | 0x80 | 0x40, 0, 0,
                                     hello_blk + set_max + msg(0x80, u32(5)) +
                                     finish + close,
                                     start + polls + b'\x0b\x01' + b'\x0b\x00' +
                                     b'\x0b\x04' + b'\x0c\x00' + polls))
# Messages written one at a time while the consumer runs.
live = b''
for m in (hello_net, set_max, small, frag2):
    live += b'\x08' + bytes([len(m)]) + m + polls
put('consumer', 'net-live', consumer(2 | 0x40, 0, 0, b'', start + live))

# Packet: selector, limits (frags, inline u16, offloads), then the body.
lim = bytes([63]) + struct.pack('<H', 768) + b'\x0f'
for i, p in enumerate((small, frag2, gso)):
    put('packet', 'decode-%d' % i, b'\0' + lim + p[4:])
many = packet(1, 1, [(i, 0, 1) for i in range(70)], bytes(14))
put('packet', 'decode-rawlimits', b'\x81' + bytes([255]) +
    struct.pack('<H', 1024) + b'\x0f' + many[4:])
put('packet', 'encode', b'\x01' + lim + u32(3) + bytes([1, 1, 1, 2]) +
    struct.pack('<HHHHH', 54, 1448, 34, 16, 54) +
    struct.pack('<IHH', 1, 0, 1000) + struct.pack('<IHH', 2, 0, 500))
for i, (role, m) in enumerate(((1, bp_front), (1, bp_back), (2, bp_ready),
                               (2, msg(0x52, struct.pack('<IIHHI', 1, 9, 1, 0,
                                                         7) + u32(1) + u32(2))),
                               (2, msg(0x58, b'\x02' * 6 + bytes(6))),
                               (1, msg(0x59, struct.pack('<IBBH', 1, 1, 1, 0) +
                                       bytes([198, 51, 100, 12]) +
                                       b'\x20\x01\x0d\xb8' + bytes(11) +
                                       b'\x12')))):
    put('packet', 'bypass-%d' % i, b'\x02' + bytes([role - 1]) +
        bytes([(len(m) - 8) // 8]) + bytes([m[0] - 0x50]) + m[1:])

# Link: flags, then B's messages and A's calls.
A_START, A_PUSH, A_POLL = b'\x0b', b'\x0d', b'\x07\x10'
hello = b'\x00\x01\x01' + u32(1)
conv = (A_START + hello + b'\x01' + u32(16) + b'\x05' + u32(4) + b'\x00' +
        A_POLL + b'\x09\x80\x09\x85\x09\xa0\x09\x01' + A_PUSH +
        b'\x02\x02\x00\x01' + A_POLL +
        b'\x04\x01\x05\x00\x02\x20' + struct.pack('<H', 100) +
        b'\x04\x01\x06\x00\x01\x20' + struct.pack('<H', 100) + A_POLL +
        b'\x0a\x02' + A_PUSH + b'\x0c' + A_PUSH + b'\x03' + u32(0) + A_POLL)
put('link', 'conversation', b'\x01' + conv)
put('link', 'conversation-backend', b'\x02' + conv)
put('link', 'flood', b'\x01' + A_START + hello + (b'\x01' + u32(20)) * 100 +
    A_POLL * 4)

# Limiter: config switch, then operations.
ops = (b'\x00' + u32(100) + b'\x01' + u32(10) + b'\x02' + u32(1 << 21) +
       b'\x02' + u32(100) + b'\x03' + struct.pack('<H', 200) + b'\x83\x01\x00' +
       b'\x04' + u32(1000) + b'\x06' + u32(10) + b'\x07' + struct.pack('<Q', 2 * 10**9) + b'\x00' +
       b'\x05' + u32(1000) + b'\x88' + u32(5) + b'\x09\x10\x00\x10\x00')
put('limiter', 'default', b'\x00' + struct.pack('<Q', 10**12) + ops)
cfg = (b'\x01' + u32(0xffffffff) + u32(0xffffffff) + struct.pack('<Q', 1) +
       u32(1) + u32(0) + b'\x00' + struct.pack('<Q', 1) + b'\x00' +
       struct.pack('<Q', 2**64 - 1) + b'\x00' + u32(100) + u32(4) + b'\x00' +
       struct.pack('<Q', 10**6) + b'\x00' + u32(10))
put('limiter', 'extreme', cfg + struct.pack('<Q', 5) + ops +
    b'\x00' + u32(0xffffffff) + b'\x03\xff\x03')

# Flow meter: min_pps, ticks_per_sec, hot_ticks, then frames (odd op
# byte: length, total_len, bytes) and ticks (even op byte: max reports).
def fm_frame(dst, total, proto=b'\x08\x00', ip=b''):
    f = dst + bytes(6) + proto + ip
    return b'\x01' + bytes([len(f)]) + u32(total) + f


peer = b'\x00\x16\x3e\x00\x02\x02'
ip4 = b'\x45' + bytes(15) + bytes([198, 51, 100, 12]) + bytes(4)
bulk = (fm_frame(peer, 65536) * 3 + b'\x00\x04') * 4
routed = (fm_frame(b'\xfe' + b'\xff' * 5, 1500, ip=ip4) * 120 + b'\x00\x04') * 4
put('flowmeter', 'bulk', struct.pack('<HHB', 400, 4, 3) + bulk)
put('flowmeter', 'routed', struct.pack('<HHB', 400, 4, 3) + routed)
put('flowmeter', 'spray', struct.pack('<HHB', 10, 10, 1) +
    b''.join(fm_frame(b'\x00\x16\x3e\x09\x00' + bytes([i]), 64)
             for i in range(40)) + b'\x00\x02')

# steer: deadlines (connect, step, linger ms), then operations (see
# fuzz_steer.c): start A-B, the full set-up, a teardown, then ticks.
hdr = struct.pack('<HHH', 2000, 2000, 4000)
ok = 5  # a selector byte that neither fails nor fills a ring
up = bytes([0, 0, 1, 1, 0,          # start 1-2, 2 pages, by MAC
            2, 0, ok, ok,           # BYPASS_FRONTEND to A
            3, 0, 0, ok,            # A grants, answers
            2, 0, ok, ok,           # BYPASS_BACKEND to B
            3, 1, 0, ok])           # B maps, answers
down = bytes([1, 0,                 # disable
              2, 0, ok, ok,         # DISABLE to both
              3, 0, 0, ok, 3, 1, 0, ok,   # drained, DISABLED
              2, 0, ok, ok,         # DETACH to both
              3, 0, 0, ok, 3, 1, 0, ok])  # released, DETACHED
put('steer', 'updown', hdr + up + down + up + down)
put('steer', 'addrs', hdr + bytes([0, 0, 2, 2, 1]) + up[5:] +
    bytes([2, 0, ok, ok, 3, 2, 0, ok]) + down)
put('steer', 'timeouts', hdr + up + bytes([1, 0, 2, 0, ok, ok, 3, 0, 0, ok,
                                           4, 0xd0, 0x07, 4, 0xa0, 0x0f,
                                           3, 1, 0, ok, 2, 0, ok, ok]))
put('steer', 'hostile', hdr + up + bytes([6, 0, 1, 0, 0x53, 0, 1, 0, 0, 1, 0,
                                          0, 0, 0, 0, 0, 0, 0, 0, 1]) + down)
