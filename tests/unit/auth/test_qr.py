"""QR renderings: both images carry exactly the module matrix segno computes for the URI.

No QR decoder is available here, so the PNG is decoded with zlib and the SVG path is
replayed, and the resulting module grids are compared with segno's own matrix.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib

import pytest
import segno

from trustdesk.auth.otp import OtpParams, provisioning_uri
from trustdesk.auth.qr import BORDER, SCALE, qr_code, qr_png, qr_svg

Matrix = list[list[int]]
URIS = [
    provisioning_uri(
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        OtpParams(),
        issuer="Trust Desk",
        account_name="alice@example.com",
    ),
    provisioning_uri(
        "A" * 103,  # a SHA512-sized secret makes a bigger symbol
        OtpParams(algorithm="SHA512", digits=8, period=60),
        issuer="Jürgen & Söhne",
        account_name="ユーザー:1",
    ),
]


def expected_matrix(data: str) -> Matrix:
    """segno's matrix for the data, built here without going through trustdesk.auth.qr."""
    return [list(row) for row in segno.make_qr(data, error="m").matrix]


def png_pixels(png: bytes) -> tuple[int, int, list[list[int]]]:
    """Decode a 1-bit greyscale PNG (what segno writes for black on white): 1 = white."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (1, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = (width + 7) // 8
    rows: list[list[int]] = []
    prior = bytearray(stride)
    for y in range(height):
        filt, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        line = _unfilter(filt, line, prior)
        rows.append([(line[x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
        prior = line
    return width, height, rows


def _unfilter(filt: int, line: bytearray, prior: bytearray) -> bytearray:
    out = bytearray(len(line))
    for i, byte in enumerate(line):
        a = out[i - 1] if i else 0
        b, c = prior[i], prior[i - 1] if i else 0
        if filt == 0:
            pred = 0
        elif filt == 1:
            pred = a
        elif filt == 2:
            pred = b
        elif filt == 3:
            pred = (a + b) // 2
        else:
            assert filt == 4
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out[i] = (byte + pred) & 0xFF
    return out


def modules_from_png(png: bytes, size: int) -> Matrix:
    width, height, pixels = png_pixels(png)
    assert width == height == (size + 2 * BORDER) * SCALE
    # Every pixel of a module must agree; the quiet zone must be white.
    grid = [[1 - pixels[y][x] for x in range(width)] for y in range(height)]
    for y in range(height):
        for x in range(width):
            my, mx = y // SCALE - BORDER, x // SCALE - BORDER
            inside = 0 <= my < size and 0 <= mx < size
            centre = grid[(my + BORDER) * SCALE + SCALE // 2][(mx + BORDER) * SCALE + SCALE // 2]
            assert grid[y][x] == (centre if inside else 0)
    half = SCALE // 2
    return [
        [grid[(r + BORDER) * SCALE + half][(c + BORDER) * SCALE + half] for c in range(size)]
        for r in range(size)
    ]


def modules_from_svg(svg: str, size: int) -> Matrix:
    root = ET.fromstring(svg.encode("utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert root.get("width") == root.get("height") == str((size + 2 * BORDER) * SCALE)
    group = root.find(f"{ns}g")
    assert group is not None and group.get("transform") == f"scale({SCALE})"
    background, dark = group.findall(f"{ns}path")
    assert background.get("fill") == "#fff" and dark.get("stroke") == "#000"
    # Replay the dark path: M/m move, h draws a horizontal run along the row's centre line.
    grid = [[0] * size for _ in range(size)]
    x = y = 0.0
    for op, args in re.findall(r"([MmHh])([-\d. ]+)", dark.get("d", "")):
        nums = [float(n) for n in args.split()]
        if op == "M":
            x, y = nums
        elif op == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            row = int(y - 0.5) - BORDER
            for col in range(int(x), int(x + nums[0])):
                grid[row][col - BORDER] = 1
            x += nums[0]
    return grid


@pytest.mark.parametrize("uri", URIS)
def test_png_carries_the_matrix_of_the_uri(uri: str) -> None:
    expected = expected_matrix(uri)
    png = qr_png(uri)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    code = qr_code(uri)
    assert struct.unpack(">II", png[16:24]) == code.symbol_size(scale=SCALE, border=BORDER)
    assert modules_from_png(png, len(expected)) == expected


@pytest.mark.parametrize("uri", URIS)
def test_svg_is_a_standalone_document_with_the_matrix(uri: str) -> None:
    expected = expected_matrix(uri)
    svg = qr_svg(uri)
    assert svg.startswith('<?xml version="1.0" encoding="utf-8"?>\n<svg ')
    assert modules_from_svg(svg, len(expected)) == expected


def test_matrix_is_a_full_qr_code() -> None:
    code = qr_code(URIS[0])
    assert not code.is_micro and code.error in {"M", "Q", "H"}
    matrix = expected_matrix(URIS[0])
    size = len(matrix)
    assert isinstance(code.version, int) and size == 17 + 4 * code.version
    # Three 7x7 finder patterns: dark ring, light ring, dark 3x3 core.
    finder = [[1] * 7] + [[1, 0, 0, 0, 0, 0, 1]] + [[1, 0, 1, 1, 1, 0, 1]] * 3
    finder += [[1, 0, 0, 0, 0, 0, 1], [1] * 7]
    for top, left in [(0, 0), (0, size - 7), (size - 7, 0)]:
        assert [row[left : left + 7] for row in matrix[top : top + 7]] == finder


def test_different_uris_give_different_images() -> None:
    assert qr_png(URIS[0]) != qr_png(URIS[0].replace("alice", "alicf"))
