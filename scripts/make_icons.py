"""Draw the Teams app icons (manifest/color.png and manifest/outline.png) without Pillow.

The symbol is a triad: three people (nodes) joined as one peer challenge group.
Shapes are drawn with signed distances, so edges are anti-aliased and the output is
byte-for-byte reproducible. Run: `python scripts/make_icons.py [--output-dir DIR]`.
"""

from __future__ import annotations

import argparse
import math
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

ACCENT = (0x1B, 0x5E, 0x7A)  # the manifest's accentColor, #1B5E7A
WHITE = (0xFF, 0xFF, 0xFF)

# The symbol in a unit square: three nodes on a triangle, joined by edges.
NODES = ((0.5, 0.19), (0.15, 0.81), (0.85, 0.81))
NODE_RADIUS = 0.15
EDGE_HALF_WIDTH = 0.04

Coverage = Callable[[float, float], float]


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def symbol(left: float, top: float, size: float) -> Coverage:
    """Coverage (0..1) of the symbol drawn in the square at (left, top) of side `size` pixels."""

    def coverage(x: float, y: float) -> float:
        ux, uy = (x - left) / size, (y - top) / size
        distance = min(
            *(math.hypot(ux - nx, uy - ny) - NODE_RADIUS for nx, ny in NODES),
            *(
                _segment_distance(ux, uy, NODES[i], NODES[(i + 1) % 3]) - EDGE_HALF_WIDTH
                for i in range(3)
            ),
        )
        # A one-pixel ramp across the edge: anti-aliasing without supersampling.
        return max(0.0, min(1.0, 0.5 - distance * size))

    return coverage


def png(width: int, height: int, rows: list[bytes], *, alpha: bool) -> bytes:
    """Encode 8-bit RGB or RGBA rows as a PNG (filter 0 on every row)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colour_type = 6 if alpha else 2
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def color_icon(size: int = 192) -> bytes:
    """Full colour: white symbol on the accent colour, the symbol in the central half."""
    cover = symbol(size / 4, size / 4, size / 2)
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            c = cover(x + 0.5, y + 0.5)
            row += bytes(round(bg + (fg - bg) * c) for bg, fg in zip(ACCENT, WHITE, strict=False))
        rows.append(bytes(row))
    return png(size, size, rows, alpha=False)


def outline_icon(size: int = 32) -> bytes:
    """White on transparent, as Teams requires: every pixel is white, only alpha varies."""
    cover = symbol(1, 1, size - 2)
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            row += bytes((*WHITE, round(255 * cover(x + 0.5, y + 0.5))))
        rows.append(bytes(row))
    return png(size, size, rows, alpha=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "manifest",
        help="where to write color.png and outline.png (default: the manifest package)",
    )
    output_dir: Path = parser.parse_args().output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "color.png").write_bytes(color_icon())
    (output_dir / "outline.png").write_bytes(outline_icon())
    print(f"wrote {output_dir / 'color.png'} and {output_dir / 'outline.png'}")


if __name__ == "__main__":
    main()
