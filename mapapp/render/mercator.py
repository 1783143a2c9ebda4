"""Web Mercator as the browser map computes it, so that a drawing made on the server lands where
Leaflet will draw: point projection (Leaflet's EPSG:3857 and supercluster's), the zoom at which a
map fits its bounds (`L.Map.getBoundsZoom`, zoom snapped), and the groups supercluster forms at
an integer zoom (the clustered seat layer of dash-leaflet).

World coordinates here are Leaflet's pixels at zoom 0 divided by 256: x and y in [0, 1], y down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TILE = 256
MAX_LATITUDE = 85.0511287798  # Leaflet's SphericalMercator clamp


def world(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """World coordinates of longitudes/latitudes (degrees).

    >>> [round(float(v), 6) for v in world(0.0, 0.0)]
    [0.5, 0.5]
    """
    lat = np.clip(np.asarray(lat, dtype=float), -MAX_LATITUDE, MAX_LATITUDE)
    sin = np.sin(np.radians(lat))
    x = np.asarray(lon, dtype=float) / 360 + 0.5
    y = 0.5 - 0.25 * np.log((1 + sin) / (1 - sin)) / math.pi
    return x, y


@dataclass(frozen=True)
class Box:
    """A rectangle in world coordinates (x0 < x1, y0 < y1: y grows southwards)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def of_bounds(cls, bounds) -> Box:
        """From Leaflet bounds `[[south, west], [north, east]]`."""
        (south, west), (north, east) = bounds
        (x0, x1), (y1, y0) = world(np.array([west, east]), np.array([south, north]))
        return cls(float(x0), float(y0), float(x1), float(y1))

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    def around(self, width: float, height: float) -> Box:
        """The box of that size with the same centre."""
        cx, cy = self.center
        return Box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def intersects(self, other: Box) -> bool:
        return self.x0 <= other.x1 and other.x0 <= self.x1 and self.y0 <= other.y1 and other.y0 <= self.y1


def fit_zoom(box: Box, width: float, height: float, snap: float = 0.25) -> float:
    """The zoom `L.Map.fitBounds` chooses for `box` in a `width` × `height` px container:
    the largest zoom (a multiple of `snap`) at which the box fits, as `getBoundsZoom` rounds it
    (within 1 % of a snap level counts as on it).

    >>> fit_zoom(Box(0.0, 0.0, 1.0, 1.0), 512, 300)
    0.0
    >>> fit_zoom(Box(0.0, 0.0, 1.0, 1.0), 512, 512)
    1.0
    """
    scale = min(width / (box.width * TILE), height / (box.height * TILE))
    zoom = math.log2(scale)
    fine = snap / 100
    zoom = round(zoom / fine) * fine
    return max(0.0, math.floor(zoom / snap) * snap)


def size_threshold(extent: float, zoom: float, snap: float = 0.25) -> float:
    """The container size (px) from which `fit_zoom` reaches `zoom` along one dimension whose
    world extent is `extent` (the inverse of `fit_zoom`, used to write CSS container queries)."""
    return extent * TILE * 2 ** (zoom - snap / 200)


def snap_zoom(zoom: float, snap: float = 0.25) -> float:
    """A zoom as `L.Map.setView` keeps it (`_limitZoom`: rounded to the snap step)."""
    return round(zoom / snap) * snap


# ---------------------------------------------------------------------------- supercluster


@dataclass(frozen=True)
class Group:
    """What the clustered layer draws at one zoom: one seat (`index` into the input) or a group
    of `count` seats at their weighted centre."""

    x: float
    y: float
    count: int
    index: int | None  # the input point, for a single seat


def groups(
    x: np.ndarray,
    y: np.ndarray,
    zooms: list[int],
    radius: float = 40,
    extent: float = 512,
    min_points: int = 2,
    max_zoom: int = 16,
) -> dict[int, list[Group]]:
    """The groups supercluster 8 (as dash-leaflet's clustered GeoJSON loads it) shows at each
    integer zoom of `zooms`, for points at world coordinates `x`, `y` in input order.

    A port of `Supercluster._cluster`: from `max_zoom` down, each point not yet taken gathers its
    untaken neighbours within `radius / (extent * 2**zoom)`; with `min_points` or more they form a
    group at their weighted centre, visited in the same order, so the groups are the browser's.
    Neighbours are searched, as KDBush stores them, in float32 coordinates.

    >>> [(g.count, g.index) for g in groups(np.array([0.5, 0.5001, 0.7]), np.array([0.5, 0.5, 0.5]), [0])[0]]
    [(2, None), (1, 2)]
    """
    wanted = sorted({min(max(int(z), 0), max_zoom + 1) for z in zooms})
    # Each level: x, y, taken-at zoom, point count, index of a single point (-1 for a group).
    level = [(float(a), float(b), math.inf, 1, i) for i, (a, b) in enumerate(zip(x, y, strict=True))]
    out: dict[int, list[Group]] = {}
    for zoom in range(max_zoom + 1, wanted[0] - 1, -1):
        if zoom <= max_zoom:
            level = _cluster_level(level, zoom, radius / (extent * 2**zoom), min_points)
        if zoom in wanted:
            out[zoom] = [Group(px, py, n, None if index < 0 else index) for px, py, _, n, index in level]
    return {int(z): out[min(max(int(z), 0), max_zoom + 1)] for z in zooms}


def _cluster_level(level: list[tuple], zoom: int, r: float, min_points: int) -> list[tuple]:
    from scipy.spatial import cKDTree

    if not level:
        return []
    points = np.array([(p[0], p[1]) for p in level])
    # Every point's neighbours at once (the tree holds float32 positions, as KDBush does).
    within = cKDTree(points.astype(np.float32).astype(float)).query_ball_point(points, r)
    taken = [p[2] for p in level]
    nxt = []
    for i, (px, py, _, count, index) in enumerate(level):
        if taken[i] <= zoom:
            continue
        taken[i] = zoom
        neighbours = within[i]
        total = count + sum(level[k][3] for k in neighbours if taken[k] > zoom)
        if total > count and total >= min_points:
            wx, wy = px * count, py * count
            for k in neighbours:
                if taken[k] <= zoom:
                    continue
                taken[k] = zoom
                wx += level[k][0] * level[k][3]
                wy += level[k][1] * level[k][3]
            nxt.append((wx / total, wy / total, math.inf, total, -1))
        else:
            nxt.append((px, py, math.inf, count, index))
            if total > 1:  # too few to group (min_points > 2): the neighbours stay single
                for k in neighbours:
                    if taken[k] > zoom:
                        taken[k] = zoom
                        nxt.append((*level[k][:2], math.inf, *level[k][3:]))
    return nxt
