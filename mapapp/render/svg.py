"""The map of a view as SVG: regions, seats and groups, the opened pôle's members, and (as an image)
the insets and the legend.

A map is drawn in pixels at a reference zoom and placed by one transform, as Leaflet places its
layers: `Sizing.fixed` gives an image of a known size (`/map.svg`); otherwise the map fills its
container in the page and CSS container queries pick, for the container's size, the zoom Leaflet's
`fitBounds` will pick and the groups supercluster will form at it (`inline_css`), so the picture
the HTML carries is the one the interactive map replaces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from html import escape

import numpy as np
import shapely
from shapely.geometry import shape

from mapapp.data.cache import memoized
from mapapp.data.store import Store
from mapapp.i18n import t
from mapapp.render.drawing import Drawing, Frame
from mapapp.render.framing import image_view, padding_css, smallest_padded
from mapapp.render.mercator import TILE, Box, fit_zoom, groups, size_threshold, snap_zoom, world

SNAP = 0.25  # the maps' zoomSnap (ui/map.py)
SEA = "#dfe9f1"  # .main-map's background (assets/mapapp.css)
BLUE = "#000091"
SIMPLIFY_PX = 0.6  # region outlines are simplified to this at the reference zoom (Leaflet: 1 px)
LABEL_FONT = "Marianne, system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
MAX_ASPECT = 4.0  # containers up to 4:1 (or 1:4) wide: what may show beyond the fitted bounds


@dataclass(frozen=True)
class Sizing:
    """A fixed `width` × `height` in px, or (both None) the size of the container in the page,
    anywhere from `smallest` to `largest`."""

    width: float | None = None
    height: float | None = None
    smallest: tuple[float, float] = (200, 200)
    largest: tuple[float, float] = (2560, 1600)
    # The page's main map: framed clear of the insets and the legend (`render.framing`), whose
    # height is `legend` px (None: no legend shown).
    padded: bool = False
    legend: float | None = None

    @property
    def fixed(self) -> bool:
        return self.width is not None


MAIN_SIZING = Sizing(padded=True)
INSET_SIZING = Sizing(smallest=(40, 36), largest=(128, 112))  # .inset-map: 96×84, 64×56, 50×44


# ------------------------------------------------------------------------------------ geometry


def zooms(frame: Frame, sizing: Sizing) -> list[float]:
    """The zooms the frame's map can open at: its view's, or `fitBounds`'s for each size."""
    if frame.view:
        return [snap_zoom(frame.view[2], SNAP)]
    if sizing.fixed:
        return [fit_zoom(frame.box, sizing.width, sizing.height, SNAP)]
    smallest = smallest_padded(sizing.smallest) if sizing.padded else sizing.smallest
    low, high = (fit_zoom(frame.box, w, h, SNAP) for w, h in (smallest, sizing.largest))
    return [low + SNAP * i for i in range(round((high - low) / SNAP) + 1)]


def _center(frame: Frame) -> tuple[float, float]:
    return (frame.view[0], frame.view[1]) if frame.view else frame.box.center


def _extent(frame: Frame, sizing: Sizing, zoom_list: list[float]) -> Box:
    """What the map may show, in world units: enough to leave nothing out, little more."""
    if frame.view or sizing.fixed:
        width, height = (sizing.width, sizing.height) if sizing.fixed else sizing.largest
        scale = TILE * 2 ** min(zoom_list)
        cx, cy = _center(frame)
        return Box(cx, cy, cx, cy).around(width / scale, height / scale)
    box, slack = frame.box, 2**SNAP
    return box.around(max(box.width, box.height * MAX_ASPECT) * slack, max(box.height, box.width * MAX_ASPECT) * slack)


def region_paths(store: Store, layer: str, zoom: int) -> dict[str, tuple[str, Box]]:
    """Per region code of `layer`, its SVG path in pixels at `zoom` (outlines simplified together,
    so neighbours keep one border) and its world bounding box. Built once per store."""
    return memoized(store, "region_paths", (layer, zoom), lambda: _region_paths(store, layer, zoom))


def _region_paths(store: Store, layer: str, zoom: int) -> dict[str, tuple[str, Box]]:
    web = store.web_regions_2015 if layer == "regions_2015" else store.web_regions
    codes = [f["properties"]["code"] for f in web["features"]]
    scale = TILE * 2**zoom

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = world(coords[:, 0], coords[:, 1])
        return np.column_stack([x * scale, y * scale])

    geometries = shapely.transform(np.array([shape(f["geometry"]) for f in web["features"]]), project)
    try:
        simplified = shapely.coverage_simplify(geometries, SIMPLIFY_PX)
    except shapely.errors.GEOSException:
        simplified = shapely.simplify(geometries, SIMPLIFY_PX)
    out = {}
    for code, geometry, original in zip(codes, simplified, geometries, strict=True):
        x0, y0, x1, y1 = shapely.bounds(original)
        out[code] = (_path(geometry), Box(x0 / scale, y0 / scale, x1 / scale, y1 / scale))
    return out


def _path(geometry) -> str:
    rings = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in (polygon.exterior, *polygon.interiors):
            points = np.round(np.asarray(ring.coords)).astype(int)
            keep = np.ones(len(points), dtype=bool)
            keep[1:] = np.any(np.diff(points, axis=0) != 0, axis=1)
            points = points[keep]
            if len(points) > 1 and (points[0] == points[-1]).all():
                points = points[:-1]
            if len(points) < 3:
                continue
            steps = " ".join(f"{dx} {dy}" for dx, dy in np.diff(points, axis=0))
            rings.append(f"M{points[0][0]} {points[0][1]}l{steps}z")
    return "".join(rings).replace(" -", "-")


def reference_region(frame: Frame, paths: dict[str, tuple[str, Box]]) -> str | None:
    """The region the page compares with the interactive map before handing over to it: the one
    nearest the centre among those wholly in the fitted bounds (or any, for a fixed view)."""
    cx, cy = _center(frame)
    candidates = [code for code in frame.codes if code in paths]
    if frame.box:
        inside = [
            c
            for c in candidates
            if frame.box.x0 <= paths[c][1].x0
            and paths[c][1].x1 <= frame.box.x1 + 1e-9
            and frame.box.y0 <= paths[c][1].y0
            and paths[c][1].y1 <= frame.box.y1 + 1e-9
        ]
        candidates = inside or candidates
    return min(candidates, key=lambda c: math.dist(paths[c][1].center, (cx, cy)), default=None)


# ------------------------------------------------------------------------------------ writing


class _Writer:
    """Positions for one frame: a fixed image (SVG transforms) or a page container (CSS)."""

    def __init__(self, frame: Frame, sizing: Sizing, zoom_list: list[float]):
        self.frame, self.sizing = frame, sizing
        self.reference = math.ceil(max(zoom_list) - 1e-9)
        self.scale = TILE * 2**self.reference  # world units -> px at the reference zoom
        self.cx, self.cy = (v * self.scale for v in _center(frame))
        self.k = 2 ** (zoom_list[0] - self.reference) if sizing.fixed or frame.view else None

    def view_attrs(self) -> str:
        if self.sizing.fixed:
            w, h = self.sizing.width / 2, self.sizing.height / 2
            return f' transform="translate({w:g} {h:g}) scale({self.k:.6g}) translate({-self.cx:.1f} {-self.cy:.1f})"'
        return ' class="fp-view"'

    def point_attrs(self, x: float, y: float) -> str:
        dx, dy = x * self.scale - self.cx, y * self.scale - self.cy
        if self.sizing.fixed:
            px, py = self.sizing.width / 2 + dx * self.k, self.sizing.height / 2 + dy * self.k
            return f' transform="translate({px:.1f} {py:.1f})"'
        return f' class="fp-pt" style="--x:{dx:.1f};--y:{dy:.1f}"'

    def stroke(self, width: float) -> str:
        # In the page the stroke keeps its width whatever the zoom; an image bakes it in.
        if self.sizing.fixed:
            return f' stroke-width="{width / self.k:.3g}"'
        return f' stroke-width="{width:g}" vector-effect="non-scaling-stroke"'


def _shapes(prefix: str) -> str:
    """The markers' shapes, drawn once per map and placed with `<use>`: a seat as
    assets/mapapp.css draws `.seat-dot` (16 px, white border, thin dark ring; a dashed border
    when placed in its region only; 26 px ringed in blue France when opened), its fill taken from
    the `<use>`; a group as `.cluster-icon` (a white disc ringed in blue France), three sizes."""
    discs = "".join(
        f'<g id="{prefix}-g{size}"><circle r="{size / 2 + 1.5:g}" cy="1" fill="#000" fill-opacity=".22"/>'
        f'<circle r="{size / 2 + 0.75:g}" fill="none" stroke="#fff" stroke-width="1.5"/>'
        f'<circle r="{size / 2 - 1.5:g}" fill="#fff" stroke="{BLUE}" stroke-width="3"/></g>'
        for size in GROUP_SIZES
    )
    return (
        f'<defs><g id="{prefix}-s"><circle r="8.5" fill="none" stroke="#333"/>'
        '<circle r="7" stroke="#fff" stroke-width="2"/></g>'
        f'<g id="{prefix}-r" opacity=".85"><circle r="8.5" fill="none" stroke="#fff"/>'
        '<circle r="7" stroke="#161616" stroke-width="2" stroke-dasharray="3.7 2.4"/></g>'
        f'<g id="{prefix}-o"><circle r="17.5" fill="none" stroke="#fff" stroke-opacity=".9" stroke-width="3"/>'
        f'<circle r="14.5" fill="none" stroke="{BLUE}" stroke-width="3"/>'
        '<circle r="12" stroke="#fff" stroke-width="2"/>'
        f"</g>{discs}</defs>"
    )


GROUP_SIZES = (30, 36, 44)  # px, for fewer than 10, 50, or more seats (mapapp.map.clusterIcon)
# Shared by a layer's group counts; names (labels) set their own size and colour.
TEXT_ATTRS = f'font-family="{LABEL_FONT}" font-size="13.6" font-weight="700" fill="{BLUE}" text-anchor="middle"'


def _markers(writer: _Writer, frame: Frame, items: list, zoom: int, extent: Box) -> str:
    """The seat layer at one integer zoom, stacked as Leaflet stacks markers: southern ones on top,
    the opened pôle above all; from zoom `label_zoom` on, seats are named."""
    prefix = f"fp-{frame.key}"  # the shapes' ids (unique in a page holding six maps)
    margin = 30 / (TILE * 2**zoom)  # a marker half out of the picture is still drawn
    seen = Box(extent.x0 - margin, extent.y0 - margin, extent.x1 + margin, extent.y1 + margin)
    shown = [g for g in items if seen.contains(g.x, g.y)]
    shown.sort(key=lambda g: (g.index is not None and frame.seats[g.index].selected, g.y))
    out = []
    for item in shown:
        attrs = writer.point_attrs(item.x, item.y)
        if item.index is None:
            size = GROUP_SIZES[0] if item.count < 10 else GROUP_SIZES[1] if item.count < 50 else GROUP_SIZES[2]
            out.append(f'<use href="#{prefix}-g{size}"{attrs}/><text{attrs} dy=".35em">{item.count}</text>')
            continue
        seat = frame.seats[item.index]
        shape = "o" if seat.selected else "r" if seat.region_placed else "s"
        out.append(f'<use href="#{prefix}-{shape}" fill="{seat.color}"{attrs}/>')
        if zoom >= frame.label_zoom:
            out.append(
                f'<text{attrs} x="12" dy=".35em" font-size="11.5" font-weight="400" text-anchor="start" '
                f'fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(seat.name)}</text>'
            )
    return "".join(out)


@dataclass(frozen=True)
class FrameSVG:
    """One map written: its SVG body, the CSS that sizes it in the page (empty for an image), and
    what the page checks before handing over to the interactive map (see assets/firstpaint.js)."""

    body: str
    css: str
    reference: str | None  # code of the region compared with the interactive map
    reference_index: int  # its position in the layer (the order Leaflet draws the paths in)
    markers: int  # markers the interactive map will show (0: none to wait for)


def frame_svg(store: Store, frame: Frame, sizing: Sizing) -> FrameSVG:
    zoom_list = zooms(frame, sizing)
    writer = _Writer(frame, sizing, zoom_list)
    extent = _extent(frame, sizing, zoom_list)
    paths = region_paths(store, frame.layer, writer.reference)
    reference = reference_region(frame, paths)
    regions = []
    for code in frame.codes:
        d, box = paths[code]
        if not box.intersects(extent):
            continue
        style = frame.styles[code]
        ref = ' class="fp-ref"' if code == reference and not sizing.fixed else ""
        regions.append(f'<path{ref} d="{d}" fill="{style.fill}" stroke="{style.stroke}"{writer.stroke(style.width)}/>')
    members = "".join(f'<circle{writer.point_attrs(x, y)} r="4"/>' for x, y in frame.members if extent.contains(x, y))
    if members:
        members = f'<g fill="#6a6af4" fill-opacity=".7" stroke="{BLUE}">{members}</g>'
    layers = sorted({min(math.floor(z), frame.cluster_max_zoom + 1) for z in zoom_list})
    xs, ys = np.array([s.x for s in frame.seats]), np.array([s.y for s in frame.seats])
    at = groups(xs, ys, layers, max_zoom=frame.cluster_max_zoom) if frame.seats else {z: [] for z in layers}
    if len(layers) == 1:
        markers = f"<g {TEXT_ATTRS}>{_markers(writer, frame, at[layers[0]], layers[0], extent)}</g>"
    else:
        markers = "".join(
            f'<g class="fp-z fp-z{z}" {TEXT_ATTRS}>{_markers(writer, frame, at[z], z, extent)}</g>' for z in layers
        )
    body = f"{_shapes(f'fp-{frame.key}')}<g{writer.view_attrs()}>{''.join(regions)}</g>{members}{markers}"
    css = "" if sizing.fixed else _frame_css(frame, sizing, writer, zoom_list, layers)
    if sizing.padded and frame.box and not sizing.fixed:
        css += padding_css(f"fp-{frame.key}", frame.box, zoom_list, sizing.legend)
    index = frame.codes.index(reference) if reference in frame.codes else -1
    return FrameSVG(body, css, reference, index, int(bool(frame.seats)))


def _frame_css(frame: Frame, sizing: Sizing, writer: _Writer, zoom_list: list[float], layers: list[int]) -> str:
    """Container queries that give the frame, for its container's size, Leaflet's zoom (as the
    factor `--k` from the reference zoom) and show the seat layer of that zoom."""
    name = f"fp-{frame.key}"
    lines = [f".{name}{{--cx:{writer.cx:.1f};--cy:{writer.cy:.1f}}}"]

    def k(zoom: float) -> str:
        return f"{2 ** (zoom - writer.reference):.6g}"

    if frame.view:
        lines.append(f".{name}{{--kw:{k(zoom_list[0])};--kh:{k(zoom_list[0])}}}")
        return "".join(lines)
    box = frame.box
    lines.append(f".{name}{{--kw:{k(zoom_list[0])};--kh:{k(zoom_list[0])}}}")

    def at_least(zoom: float) -> tuple[str, str]:
        return (
            f"(width>={size_threshold(box.width, zoom):.1f}px)",
            f"(height>={size_threshold(box.height, zoom):.1f}px)",
        )

    for zoom in zoom_list[1:]:
        wide, tall = at_least(zoom)
        lines.append(f"@container {name} {wide}{{.{name}{{--kw:{k(zoom)}}}}}")
        lines.append(f"@container {name} {tall}{{.{name}{{--kh:{k(zoom)}}}}}")
    for i, z in enumerate(layers):
        conditions = list(at_least(z)) if i else []
        if i < len(layers) - 1:
            wide, tall = (condition.replace(">=", "<") for condition in at_least(z + 1))
            conditions.append(f"({wide} or {tall})")
        lines.append(f"@container {name} {' and '.join(conditions)}{{.{name} .fp-z{z}{{display:inline}}}}")
    return "".join(lines)


# ------------------------------------------------------------------------------------ the image


LEGEND_WIDTH, LEGEND_ROW = 190, 18  # the image's legend box: px wide, px per row


def _legend_size(drawing: Drawing) -> tuple[float, float] | None:
    """The image's legend box (width, height) in px; None when the view has no colouring."""
    legend = drawing.colouring.get("legend") if drawing.colouring else None
    if not legend:
        return None
    return LEGEND_WIDTH, 30 + LEGEND_ROW * len(legend["rows"]) + (16 if drawing.colouring.get("sample") else 0)


def _legend(drawing: Drawing, width: float) -> str:
    legend = drawing.colouring.get("legend") if drawing.colouring else None
    if not legend:
        return ""
    rows = legend["rows"]
    box_w, box_h = _legend_size(drawing)
    row_h = LEGEND_ROW
    x, y = width - box_w - 8, 8
    out = [
        f'<g transform="translate({x:g} {y:g})" font-family="{LABEL_FONT}" font-size="12.5" fill="#3a3a3a">',
        f'<rect width="{box_w}" height="{box_h}" fill="#fff" stroke="#ddd"/>',
        f'<text x="10" y="19" font-weight="700">{escape(legend["title"])}</text>',
    ]
    for i, row in enumerate(rows):
        top = 28 + i * row_h
        out.append(
            f'<rect x="10" y="{top}" width="14" height="14" rx="2" fill="{row["color"]}" stroke="#666"/>'
            f'<text x="31" y="{top + 11.5}">{escape(row["text"])}</text>'
        )
    if drawing.colouring.get("sample"):
        badge = escape(t(drawing.lang, "sample_badge"))
        out.append(f'<text x="10" y="{box_h - 6}" font-size="11" fill="#b34000">{badge}</text>')
    out.append("</g>")
    return "".join(out)


INSET = (96, 84, 16)  # map width, height, caption height (as .inset-map and its figcaption)


def map_image(store: Store, drawing: Drawing, width: int, height: int) -> str:
    """The standalone picture of the view (`/map.svg`): the map at `width` × `height` px as the
    interactive map opens in a container of that size, the overseas insets at the bottom left,
    the legend at the top right, and a title and text alternative for screen readers."""
    inset_w, inset_h, caption_h = INSET
    frame = drawing.main
    if frame.box is not None:
        # Framed as the page frames it: clear of the insets' row and of the legend.
        row = (8 + len(drawing.insets) * (inset_w + 6) - 6, inset_h + caption_h)
        frame = replace(frame, box=None, view=image_view(frame.box, width, height, row, _legend_size(drawing)))
    main = frame_svg(store, frame, Sizing(width, height))
    insets = []
    for i, frame in enumerate(drawing.insets):
        x, y = 8 + i * (inset_w + 6), height - 8 - inset_h - caption_h
        inner = frame_svg(store, frame, Sizing(inset_w, inset_h))
        insets.append(
            f'<g transform="translate({x} {y})"><rect x="-.5" y="-.5" width="{inset_w + 1}" '
            f'height="{inset_h + caption_h + 1}" fill="#fff" stroke="#ddd"/>'
            f'<svg width="{inset_w}" height="{inset_h}"><rect width="100%" height="100%" fill="{SEA}"/>'
            f"{inner.body}</svg>"
            f'<text x="{inset_w / 2:g}" y="{inset_h + 12}" text-anchor="middle" font-family="{LABEL_FONT}" '
            f'font-size="11" fill="#3a3a3a">{escape(frame.caption)}</text></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="map-title map-desc" lang="{drawing.lang}">'
        f'<title id="map-title">{escape(drawing.title)}</title><desc id="map-desc">{escape(drawing.description)}</desc>'
        f'<rect width="100%" height="100%" fill="{SEA}"/>{main.body}{"".join(insets)}{_legend(drawing, width)}</svg>'
    )
