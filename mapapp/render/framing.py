"""Where the page's main map frames its regions: clear of the panels that lie over it, as
`padding` in assets/mapapp-map.js chooses (`fitBounds` with `paddingTopLeft`/`paddingBottomRight`).

The overseas insets (a column on the left on a wide screen, a row at the bottom on a phone) and,
on a wide screen, the colouring's legend (top right) lie over the map. The script avoids each on
one of the sides it touches, keeping the combination that draws the regions largest (the first
one on a tie), plus `EDGE` px all round. The drawing does the same with CSS only: the sizes of the
panels are those assets/mapapp.css gives them (the legend's height is estimated from its lines),
and container queries on the map's box set, for its size, the padding of the box the drawing is
fitted in (`.fp-pad`, see `render.svg`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mapapp.render.mercator import TILE, Box, fit_zoom, size_threshold

EDGE = 10.0  # px kept free around the framed regions (EDGE in assets/mapapp-map.js)
REM = 16.0
MARGIN = 0.5 * REM  # .insets and .legend-box: .5rem from the map's edges
GAP = 0.35 * REM  # between insets
LINE = 1.4  # the page's line-height
WIDE = "(min-width: 901px)"  # assets/mapapp.css: wider than a phone
# An inset's outer size (map, 1px border, caption of one line plus 2px padding), per media query:
# a column on a wide screen, a row at the bottom on a phone (smaller below 421px).
INSETS = (
    (WIDE, "column", 96 + 2, 84 + 2 + 0.7 * REM * LINE + 2),
    ("(max-width: 900px) and (min-width: 421px)", "row", 64 + 2, 56 + 2 + 0.7 * REM * LINE + 2),
    ("(max-width: 420px)", "row", 56 + 2, 46 + 2 + 0.56 * REM * LINE + 2),
)
INSET_COUNT = 5
# The legend on a wide screen: 14rem wide (assets/firstpaint.css fixes it), padding .4rem .6rem,
# 1px border; its text .78rem (title and rows), the note .75rem.
LEGEND_WIDTH = 14 * REM
LEGEND_TEXT = LEGEND_WIDTH - 1.2 * REM - 2
LEGEND_FONT, NOTE_FONT = 0.78 * REM, 0.75 * REM
CHAR_EM = {"bold": 0.6, "normal": 0.52}  # average glyph width of the system fonts, in em


@dataclass(frozen=True)
class Padding:
    """Padding around the framed bounds, in px (EDGE included)."""

    left: float = EDGE
    top: float = EDGE
    right: float = EDGE
    bottom: float = EDGE

    @property
    def x(self) -> float:
        return self.left + self.right

    @property
    def y(self) -> float:
        return self.top + self.bottom

    def css(self) -> str:
        return f"--pl:{self.left:.1f}px;--pt:{self.top:.1f}px;--pr:{self.right:.1f}px;--pb:{self.bottom:.1f}px"


def _lines(text: str, font: float, weight: str) -> int:
    """How many lines `text` takes in the legend (words wrapped at the legend's width)."""
    per_line = max(1, int(LEGEND_TEXT / (font * CHAR_EM[weight])))
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def legend_height(colouring: dict | None) -> float | None:
    """The legend box's height in px on a wide screen (None: no legend shown)."""
    legend = (colouring or {}).get("legend")
    if not legend:
        return None
    line = LEGEND_FONT * LINE
    height = 0.8 * REM + 2  # padding and border
    height += _lines(legend["title"], LEGEND_FONT, "bold") * line
    height += 0.5 * REM + len(legend["rows"]) * line  # the list's margins and rows
    if legend.get("note"):
        height += 0.25 * REM + _lines(legend["note"], NOTE_FONT, "normal") * NOTE_FONT * LINE
    if colouring.get("sample"):
        height += line  # the sample badge, on a line of its own
    return height


def _column(height: float, inset_w: float, inset_h: float) -> tuple[float, float]:
    """The insets' column (width, height) in a map `height` px tall (it wraps into more columns)."""
    per_column = max(1, min(INSET_COUNT, math.floor((height - 2 * MARGIN + GAP) / (inset_h + GAP))))
    columns = math.ceil(INSET_COUNT / per_column)
    return columns * inset_w + (columns - 1) * GAP, per_column * inset_h + (per_column - 1) * GAP


def _row(width: float, inset_w: float, inset_h: float) -> tuple[float, float]:
    """The insets' row (width, height) in a map `width` px wide (at most 100% - 3rem: it wraps)."""
    per_row = max(1, min(INSET_COUNT, math.floor((width - 3 * REM + GAP) / (inset_w + GAP))))
    rows = math.ceil(INSET_COUNT / per_row)
    return per_row * inset_w + (per_row - 1) * GAP, rows * inset_h + (rows - 1) * GAP


def _column_ranges(inset_h: float) -> list[tuple[float, float]]:
    """Map heights (from, to) in which the column has the same number of columns."""
    edges = sorted({2 * MARGIN + n * inset_h + (n - 1) * GAP for n in range(1, INSET_COUNT + 1)})
    bounds = [0.0, *edges, math.inf]
    return [(low, high) for low, high in zip(bounds, bounds[1:], strict=False)]


def _row_ranges(inset_w: float) -> list[tuple[float, float]]:
    edges = sorted({3 * REM + n * inset_w + (n - 1) * GAP for n in range(1, INSET_COUNT + 1)})
    bounds = [0.0, *edges, math.inf]
    return [(low, high) for low, high in zip(bounds, bounds[1:], strict=False)]


def _choices(layout: str, size: tuple[float, float], inset: tuple[float, float], legend_h: float | None):
    """The paddings the script weighs, in its order, for a map of `size` (one inset side, then
    one legend side; sides that leave less than 40 px are left out, as the script does)."""
    width, height = size
    if layout == "column":
        column_w, _ = _column(height, *inset)
        insets = [Padding(left=MARGIN + column_w + EDGE)]
    else:
        _, row_h = _row(width, *inset)
        insets = [Padding(bottom=MARGIN + row_h + EDGE)]
    if legend_h is None or layout != "column":
        return insets
    out = []
    for pad in insets:
        out.append(Padding(pad.left, pad.top, MARGIN + LEGEND_WIDTH + EDGE, pad.bottom))
        out.append(Padding(pad.left, MARGIN + legend_h + EDGE, pad.right, pad.bottom))
    return out


def padding_css(name: str, box: Box, zooms: list[float], legend_h: float | None) -> str:
    """CSS setting, on `.{name}-pad`, the padding the script frames `box` with, for each size
    of the map's box (container `{name}-box`): per media query (where the insets and the legend
    are), per range of map sizes in which the insets wrap alike, the choice that reaches the
    highest zoom of `zooms` (the first choice on a tie, as the rules come later in the cascade)."""
    rules = []
    for media, layout, *inset in INSETS:
        ranges = _column_ranges(inset[1]) if layout == "column" else _row_ranges(inset[0])
        inner = []
        for low, high in ranges:
            probe = (1000.0, low if math.isfinite(low) else 1000.0)
            if layout == "row":
                probe = (low + 1, 1000.0)
            dimension = "height" if layout == "column" else "width"
            span = f"({dimension}>={low:.2f}px)" + (f" and ({dimension}<{high:.2f}px)" if math.isfinite(high) else "")
            choices = _choices(layout, probe, tuple(inset), legend_h)
            inner.append(f"@container {name}-box {span}{{.{name}-pad{{{choices[0].css()}}}}}")
            for zoom in zooms if len(choices) > 1 else ():
                for pad in reversed(choices):
                    wide = size_threshold(box.width, zoom) + pad.x
                    tall = size_threshold(box.height, zoom) + pad.y
                    inner.append(
                        f"@container {name}-box {span} and (width>={wide:.1f}px) and (height>={tall:.1f}px)"
                        f"{{.{name}-pad{{{pad.css()}}}}}"
                    )
        rules.append(f"@media {media}{{{''.join(inner)}}}")
    return "".join(rules)


def smallest_padded(size: tuple[float, float]) -> tuple[float, float]:
    """The smallest box the drawing may be fitted in, in a map of at least `size`: less the
    insets' column (or row) and the edges."""
    column_w, row_h = INSETS[0][2], INSETS[-1][3]
    return (max(40.0, size[0] - MARGIN - column_w - 2 * EDGE), max(40.0, size[1] - MARGIN - row_h - 2 * EDGE))


def image_view(
    box: Box, width: float, height: float, row: tuple[float, float], legend: tuple[float, float] | None
) -> tuple[float, float, float]:
    """The view (world x, y and zoom) of an image `width` × `height` px framing `box` as the page
    would: clear of the insets' `row` (width, height: at the bottom left, 8 px from the edges)
    and the `legend` box (top right), each avoided on one of its sides, the choice that draws the
    box largest winning (the first one on a tie)."""
    insets = [Padding(bottom=MARGIN + row[1] + EDGE), Padding(left=MARGIN + row[0] + EDGE)]
    choices = insets
    if legend:
        choices = [
            replace_side(pad, side, value)
            for pad in insets
            for side, value in (("right", MARGIN + legend[0] + EDGE), ("top", MARGIN + legend[1] + EDGE))
        ]
    best = None
    for pad in choices:
        if width - pad.x < 40 or height - pad.y < 40:
            continue
        zoom = fit_zoom(box, width - pad.x, height - pad.y)
        if best is None or zoom > best[0]:
            best = (zoom, pad)
    zoom, pad = best or (fit_zoom(box, width, height), Padding())
    scale = TILE * 2**zoom
    cx, cy = box.center
    # As `fitBounds` with paddings: the box's centre moves by half their difference.
    return cx + (pad.right - pad.left) / 2 / scale, cy + (pad.bottom - pad.top) / 2 / scale, zoom


def replace_side(pad: Padding, side: str, value: float) -> Padding:
    return Padding(**{**pad.__dict__, side: max(getattr(pad, side), value)})
