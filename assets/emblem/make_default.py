#!/usr/bin/env python3
"""Draws the default letterhead emblem (lambang-default.png): a plain blue shield with a gold
border and a gold five-pointed star. Made for this project (no government's coat of arms);
a deployment configures its own emblem (`emblem_file` in PD_AGENCY_FILE).

    python3 assets/emblem/make_default.py   # writes assets/emblem/lambang-default.png
"""
import math
import os
import struct
import zlib

W, H = 120, 140
BLUE, GOLD = (16, 58, 112), (212, 170, 48)


def inside_shield(x, y, inset):
    # Top edge at y=inset, straight sides down to 55% height, then arcs to a point at the bottom.
    left, right, top = inset, W - 1 - inset, inset
    if y < top or x < left or x > right:
        return False
    knee = H * 0.55
    if y <= knee:
        return True
    # Below the knee: |x - centre| shrinks to 0 at the bottom point along a circle-like curve.
    half = (right - left) / 2
    t = (y - knee) / (H - 1 - inset - knee)
    if t > 1:
        return False
    return abs(x - W / 2) <= half * math.sqrt(max(0.0, 1 - t * t))


def star(cx, cy, r_out, r_in):
    pts = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def in_polygon(x, y, pts):
    inside = False
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


STAR = star(W / 2, H * 0.42, 34, 14)
rows = bytearray()
for y in range(H):
    rows.append(0)
    for x in range(W):
        px, py = x + 0.5, y + 0.5
        if not inside_shield(px, py, 1):
            rows += bytes((0, 0, 0, 0))
        elif not inside_shield(px, py, 7) or in_polygon(px, py, STAR):
            rows += bytes(GOLD + (255,))
        else:
            rows += bytes(BLUE + (255,))


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lambang-default.png")
with open(out, "wb") as f:
    f.write(png)
print(out, len(png), "bytes")
