"""Placing things on the printed map without overlaps (Flask-free, pure geometry in points).

Everything is measured in *paper points* from the lower-left corner of the map frame: text sizes
(DejaVu Sans metrics, cached), a registry of occupied boxes, symbol displacement for structures
sharing a place, the candidate positions of labels, and the scale bar's round length.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

FONT_FAMILY = "DejaVu Sans"
_text_to_path = TextToPath()


@lru_cache(maxsize=8192)
def text_size(text: str, size_pt: float, weight: str = "normal") -> tuple[float, float]:
    """Width and height of one line of text in points (DejaVu Sans)."""
    prop = FontProperties(family=FONT_FAMILY, size=size_pt, weight=weight)
    width, height, _descent = _text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return width, height


class Occupancy:
    """Boxes already taken on the map frame (paper points); a candidate must not overlap them."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self._boxes = np.zeros((0, 4))
        self._pending: list[tuple[float, float, float, float]] = []

    def _all(self) -> np.ndarray:
        if self._pending:
            self._boxes = np.vstack([self._boxes, np.array(self._pending)])
            self._pending = []
        return self._boxes

    def add(self, bx: tuple[float, float, float, float]) -> None:
        self._pending.append(bx)

    def inside(self, bx, pad: float = 2.0) -> bool:
        x0, y0, x1, y1 = bx
        return x0 >= pad and y0 >= pad and x1 <= self.width - pad and y1 <= self.height - pad

    def free(self, bx) -> bool:
        boxes = self._all()
        if len(boxes) == 0:
            return True
        x0, y0, x1, y1 = bx
        hit = (boxes[:, 0] < x1) & (boxes[:, 2] > x0) & (boxes[:, 1] < y1) & (boxes[:, 3] > y0)
        return not bool(hit.any())


def hex_offsets(count: int) -> np.ndarray:
    """The first ``count`` points of a hexagonal lattice (unit spacing), nearest first."""
    radius = 1
    while 3 * radius * (radius + 1) + 1 < count:
        radius += 1
    cells = []
    for q in range(-radius, radius + 1):
        for r in range(-radius, radius + 1):
            if abs(q + r) <= radius:
                x = q + r / 2
                y = r * math.sqrt(3) / 2
                cells.append((round(math.hypot(x, y), 6), round(math.atan2(y, x) % (2 * math.pi), 6), x, y))
    cells.sort()
    return np.array([(x, y) for _d, _a, x, y in cells[:count]])


def displace(xy_pt: np.ndarray, footprint: float) -> tuple[np.ndarray, list[tuple[float, float, float]]]:
    """Spread symbols that would overlap: each group of close points fans out on a hex lattice
    around its first point. Returns new positions and the groups' (x, y, radius) in points."""
    out = xy_pt.copy()
    anchors: list[list] = []  # [x, y, [indices]]
    grid: dict[tuple[int, int], list[int]] = {}
    for index, (x, y) in enumerate(xy_pt):
        gx, gy = int(x // footprint), int(y // footprint)
        found = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for anchor_index in grid.get((gx + dx, gy + dy), ()):
                    ax_, ay_, _members = anchors[anchor_index]
                    if (ax_ - x) ** 2 + (ay_ - y) ** 2 < (0.8 * footprint) ** 2:
                        found = anchor_index
                        break
                if found is not None:
                    break
            if found is not None:
                break
        if found is None:
            grid.setdefault((gx, gy), []).append(len(anchors))
            anchors.append([x, y, [index]])
        else:
            anchors[found][2].append(index)
    groups = []
    for x, y, members in anchors:
        offsets = hex_offsets(len(members)) * footprint
        for member, (ox, oy) in zip(members, offsets, strict=True):
            out[member] = (x + ox, y + oy)
        radius = float(np.hypot(offsets[:, 0], offsets[:, 1]).max()) + footprint / 2
        groups.append((x, y, radius))
    return out, groups


def label_offsets(w: float, h: float) -> list[tuple[float, float]]:
    """Candidate shifts of an area label from its anchor, nearest first."""
    out = [(0.0, 0.0)]
    for step in (0.9, 1.8):
        out += [(0.0, h * step), (0.0, -h * step), (w * 0.4 * step, 0.0), (-w * 0.4 * step, 0.0)]
    return out


def wrap_label(text: str, size: float, max_width: float) -> list[str]:
    """One line, or two balanced lines when the text is wider than ``max_width`` points."""
    if text_size(text, size)[0] <= max_width or " " not in text:
        return [text]
    words = text.split(" ")
    best = None
    for cut in range(1, len(words)):
        a, b = " ".join(words[:cut]), " ".join(words[cut:])
        width = max(text_size(a, size)[0], text_size(b, size)[0])
        if best is None or width < best[0]:
            best = (width, [a, b])
    return best[1]


def nice_length(km: float) -> float:
    """The largest 1/2/2.5/5 × 10^n km not above ``km``."""
    if km <= 0:
        return 1.0
    exponent = math.floor(math.log10(km))
    for step in (5, 2.5, 2, 1):
        value = step * 10**exponent
        if value <= km:
            return value
    return 10 ** (exponent - 1) * 5
