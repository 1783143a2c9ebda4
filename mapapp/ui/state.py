"""The view state held in the page URL (filters, opened pôle, language, map view), parsed leniently.

A permalink with a bad value still opens: the value is dropped and a notice names it, using the
same `query.parse_filters` rules as the HTTP API (which answers 400 instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from mapapp.data import query
from mapapp.data.coverage import MEASURES
from mapapp.data.query import Filters
from mapapp.i18n import DEFAULT_LANG, LANGS

VIEW_PARAMETERS = ("lat", "lon", "zoom")
ALL_PHASES = "all"  # `phase=all` in a page URL; no `phase` means the current phase: today's pôles
ZOOM_RANGE = (2.0, 18.0)
COVERAGE_MODES = ("none", *MEASURES)
REGION_LAYERS = ("regions", "regions_2015")
HISTORIC_PHASES = (1, 2, 3)  # phases whose regions were the 27 of before 2016
HIDABLE = ("filters",)  # `hide=filters`: what an embed may leave out


class Notice(NamedTuple):
    """A URL value the page could not use, shown to the reader in the page's language (the message
    `key` of the catalog, filled with `param` and the value as typed, cut to `NOTICE_VALUE_CHARS`)."""

    param: str
    value: str
    key: str = "notice_ignored"


NOTICE_VALUE_CHARS = 40


def _notice(param: str, value: str, key: str = "notice_ignored") -> Notice:
    cut = value if len(value) <= NOTICE_VALUE_CHARS else value[:NOTICE_VALUE_CHARS] + "…"
    return Notice(param, cut, key)


@dataclass(frozen=True)
class ViewState:
    """What a page URL shows. `filters.phases` is empty for all phases."""

    filters: Filters = Filters()
    cluster: str | None = None
    lang: str = DEFAULT_LANG
    view: tuple[float, float, float] | None = None  # lat, lon, zoom
    mode: str = "none"  # what colours the regions (see ui.coverage.MODES)
    per_capita: bool = False
    layer: str = "regions"  # or "regions_2015": the regions of the time, for phases 1-3
    hide_filters: bool = False  # `hide=filters`: an embed without the filter panel, still filtered
    notices: tuple[Notice, ...] = field(default=())


def args_from_url(url: str | None) -> dict[str, list[str]]:
    """Query parameters of a page URL (`None` or no query: none)."""
    if not url:
        return {}
    return parse_qs(urlsplit(url).query, keep_blank_values=False)


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def parse_view_state(args: Mapping[str, list[str]], vocab: query.Vocabulary, cluster_ids: set[str]) -> ViewState:
    """Every understood parameter of `args`; each bad one is dropped and named in `notices`."""
    notices: list[Notice] = []
    kept: dict[str, list[str]] = {}
    phase_values = [v for raw in args.get("phase", []) for v in raw.split(",")]
    if not phase_values:
        kept["phase"] = [str(max(vocab.phases))]
    elif ALL_PHASES in phase_values:
        args = {k: v for k, v in args.items() if k != "phase"}
    for name in query.FILTER_PARAMETERS:
        values = [v for raw in args.get(name, []) for v in (raw.split(",") if name != "q" else [raw])]
        good = []
        for value in values:
            try:
                query.parse_filters({name: value}, vocab)
            except query.FilterError:
                notices.append(_notice(name, value))
            else:
                good.append(value)
        if good:
            kept[name] = good
    filters = query.parse_filters(kept, vocab)
    if len(filters.phases) > 1:
        notices.append(_notice("phase", str(filters.phases[0]), "notice_one_phase"))
        filters = Filters(filters.themes, filters.phases[:1], filters.regions, filters.q)

    cluster = (args.get("cluster") or [None])[0]
    if cluster is not None and cluster not in cluster_ids:
        notices.append(_notice("cluster", cluster))
        cluster = None

    lang = (args.get("lang") or [DEFAULT_LANG])[0]
    if lang not in LANGS:
        notices.append(_notice("lang", lang))
        lang = DEFAULT_LANG

    mode = (args.get("mode") or ["none"])[0]
    if mode not in COVERAGE_MODES:
        notices.append(_notice("mode", mode))
        mode = "none"
    per = (args.get("per") or [""])[0]
    if per not in ("", "100k"):
        notices.append(_notice("per", per))

    layer = (args.get("layer") or ["regions"])[0]
    if layer not in REGION_LAYERS:
        notices.append(_notice("layer", layer))
        layer = "regions"
    if layer != "regions" and not (filters.phases and filters.phases[0] in HISTORIC_PHASES):
        layer = "regions"  # the regions of 2015 only make sense for phases 1 to 3

    view = None
    if any(name in args for name in VIEW_PARAMETERS):
        numbers = [_float((args.get(name) or [""])[0]) for name in VIEW_PARAMETERS]
        lat, lon, zoom = numbers
        if None in numbers or not (-90 <= lat <= 90 and -180 <= lon <= 180 and ZOOM_RANGE[0] <= zoom <= ZOOM_RANGE[1]):
            raw = "/".join((args.get(name) or [""])[0] for name in VIEW_PARAMETERS)
            notices.append(_notice("lat/lon/zoom", raw, "notice_bad_view"))
        else:
            view = (lat, lon, zoom)
    hide = [v for raw in args.get("hide", []) for v in raw.split(",")]
    for value in hide:
        if value not in HIDABLE:
            notices.append(_notice("hide", value))
    return ViewState(
        hide_filters="filters" in hide,
        layer=layer,
        filters=filters,
        cluster=cluster,
        lang=lang,
        view=view,
        mode=mode,
        per_capita=per == "100k",
        notices=tuple(notices),
    )
