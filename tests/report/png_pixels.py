#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Counts pixels of a PNG screenshot (8-bit RGB or RGBA, non-interlaced, as Chromium writes them)
# without imaging libraries: prints "<width> <height> <non-white> <red> <blue>", where red and
# blue are pixels close to the report's CloudWatch (#d62728) and S3/latency (#1f77b4) colours.
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and inter == 0, (depth, ctype, inter)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def near(px, rgb):
    return all(abs(px[i] - rgb[i]) <= 24 for i in range(3))


def main():
    w, h, bpp, rows = pixels(sys.argv[1])
    nonwhite = red = blue = 0
    for line in rows:
        for x in range(0, w * bpp, bpp):
            px = line[x:x + 3]
            if px[0] < 240 or px[1] < 240 or px[2] < 240:
                nonwhite += 1
            red += near(px, (0xd6, 0x27, 0x28))
            blue += near(px, (0x1f, 0x77, 0xb4))
    print(w, h, nonwhite, red, blue)


if __name__ == "__main__":
    main()
