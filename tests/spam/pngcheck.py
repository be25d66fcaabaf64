#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""pngcheck.py PNG MIN_W MIN_H - is this a real, non-blank screenshot?

Decodes the PNG with zlib only (8-bit RGB/RGBA, all five filters), then
prints "WxH colours=N ink=P%" and exits 0 when the image is at least
MIN_W x MIN_H, has more than 20 distinct colours and more than 2% of its
pixels differ from the most common (background) colour.
"""
import struct, sys, zlib
from collections import Counter

def decode(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, w = 8, b'', None
    while pos < len(data):
        n, typ = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError('unsupported PNG type %d/%d' % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif typ == b'IDAT':
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        cur = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: cur[i] = (cur[i] + a) & 255
            elif f == 2: cur[i] = (cur[i] + b) & 255
            elif f == 3: cur[i] = (cur[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(cur))
        prev = cur
    return w, h, bpp, rows

w, h, bpp, rows = decode(sys.argv[1])
cols = Counter()
for r in rows[::4]:                      # every 4th row is plenty
    for x in range(0, w * bpp, bpp * 2):
        cols[r[x:x + 3]] += 1
total = sum(cols.values())
bg = cols.most_common(1)[0][1]
ink = 100.0 * (total - bg) / total
print('%dx%d colours=%d ink=%.1f%%' % (w, h, len(cols), ink))
ok = w >= int(sys.argv[2]) and h >= int(sys.argv[3]) and len(cols) > 20 and ink > 2.0
sys.exit(0 if ok else 1)
