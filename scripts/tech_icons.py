"""Draws the technician portal's app icons (PNG) with the standard library only.

    python scripts/tech_icons.py

writes ``tech-icon-192.png``, ``tech-icon-512.png`` and ``tech-icon-maskable-512.png`` into the
portal's static files: "SM2" in white on the portal's blue. The regular icons are a rounded
square; the maskable one is full-bleed with the lettering inside the central safe zone (the
circle of 80% the platforms may cut to). Run it again only to change the design: the PNGs are
committed, so the app never draws anything at run time.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "src" / "sm2_web" / "portal" / "static"
BLUE = (0x0A, 0x58, 0xA6)  # --c-primary in portal.css, the manifest's theme colour
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis: 16 samples a pixel smooth the edges

# A 5×7 grid per character.
GLYPHS = {
    "S": [".###.", "#...#", "#....", ".###.", "....#", "#...#", ".###."],
    "M": ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
    "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
}
TEXT = "SM2"


def _cells(text: str) -> set[tuple[int, int]]:
    """The lit cells of ``text`` (column, row), one empty column between characters."""
    lit = set()
    for index, char in enumerate(text):
        for row, line in enumerate(GLYPHS[char]):
            for column, mark in enumerate(line):
                if mark == "#":
                    lit.add((index * 6 + column, row))
    return lit


def _in_rounded_square(x: float, y: float, size: int, radius: float) -> bool:
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def draw(size: int, *, maskable: bool) -> list[list[tuple[int, int, int, int]]]:
    """RGBA rows of the icon at ``size`` pixels."""
    lit = _cells(TEXT)
    columns, rows = len(TEXT) * 6 - 1, 7
    # Lettering 62% wide, or 56% for a maskable icon (inside its 80% safe circle).
    cell = size * (0.56 if maskable else 0.62) / columns
    left, top = (size - columns * cell) / 2, (size - rows * cell) / 2
    radius = 0.0 if maskable else size * 0.18
    pixels = []
    for py in range(size):
        row = []
        for px in range(size):
            inside = letter = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x, y = px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES
                    if maskable or _in_rounded_square(x, y, size, radius):
                        inside += 1
                        if (int((x - left) // cell), int((y - top) // cell)) in lit:
                            letter += 1
            alpha = inside / SAMPLES**2
            share = letter / inside if inside else 0.0
            colour = tuple(round(b + (w - b) * share) for b, w in zip(BLUE, WHITE, strict=True))
            row.append((*colour, round(alpha * 255)))
        pixels.append(row)
    return pixels


def png(pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An 8-bit RGBA PNG: signature, IHDR, one IDAT, IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(v for pixel in row for v in pixel) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    for name, size, maskable in (
        ("tech-icon-192.png", 192, False),
        ("tech-icon-512.png", 512, False),
        ("tech-icon-maskable-512.png", 512, True),
    ):
        (STATIC / name).write_bytes(png(draw(size, maskable=maskable)))
        print(f"wrote {STATIC / name}")


if __name__ == "__main__":
    main()
