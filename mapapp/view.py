"""What a view is: every parameter of a page or API URL, defined once.

Each `Param` owns its URL key, what it means, the values it accepts, its default, its label (a
message key) and the page control that sets it — datasette's `filters.py` is the model. From
this one definition:

- the HTTP API and the CLI read filters strictly (`parse_filters`: a bad value is a
  `FilterError` naming the parameter, answered with HTTP 400 or exit code 2);
- pages read the whole view leniently (`parse_page`: a bad value is dropped, the default used
  and a notice names it);
- the browser gets the same definitions as JSON (`browser_spec`, read by assets/mapapp-view.js):
  its URL sync, in-app links, "Réinitialiser" and its filtering of the features use the same
  keys, defaults and "all";
- `mapapp.openapi` documents the parameters, defaults included.

The default phase is today's (`Vocabulary.current_phase`) for every view of a URL — page, embed,
API and CLI alike; `phase=all` selects every phase since 2005. Phases come from
`geodata/phases.csv`: adding phase 6 is a row there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode, urlsplit

from mapapp.data.coverage import MEASURES, REGION_LAYERS
from mapapp.data.query import FilterError, Filters, Vocabulary
from mapapp.data.region_profile import MAX_COMPARED, MIN_COMPARED
from mapapp.i18n import DEFAULT_LANG, LANGS

ALL = "all"  # `phase=all`: every phase since 2005
MAX_QUERY_LENGTH = 100
REGION_CODE_PATTERN = "^[0-9]{2}$"  # INSEE region codes: two digits ("06", "84")
# The map view of a permalink: all three or none, each within its range.
VIEWPORT = (("lat", -90.0, 90.0), ("lon", -180.0, 180.0), ("zoom", 2.0, 18.0))
NOTICE_VALUE_CHARS = 40
FILE_NAME_CHARS = 120

Values = tuple[str, ...]


def _nothing(_: Vocabulary) -> Values:
    return ()


@dataclass(frozen=True)
class Param:
    """One URL parameter. Its values are handled in URL form: a tuple of strings.

    Attributes:
        key: the URL key (and CLI flag).
        label: the message key that names it to readers (`mapapp.i18n`).
        help: what it means, for the API's description and the CLI's help.
        choices: the values it accepts (None: free text, at most `max_length` characters).
        default: its value when the URL does not give one.
        multi: whether it takes several values (repeated, or separated by commas).
        control: the id of the page component that sets it (None: only the URL does), whose
            `prop` holds its values as a list (`kind` "list"), a single value or none ("one"),
            or a checkbox whose one option is the non-default value ("flag").
        requires: (other key, values): kept on a page only while the other parameter's values
            are among these (the regions of 2015 only for the phases before 2016).
        empty: the control's value when the parameter has none ("" for a text box).
        checked_in_browser: whether the browser is sent the choices to check values against
            (not the pôle ids: many, and the server checks them when it renders the page).
    """

    key: str
    label: str
    help: str
    choices: Callable[[Vocabulary], Values] | None = None
    default: Callable[[Vocabulary], Values] = _nothing
    multi: bool = False
    control: str | None = None
    prop: str = "value"
    kind: str = "list"
    requires: tuple[str, Callable[[Vocabulary], Values]] | None = None
    empty: str | None = None
    max_length: int = MAX_QUERY_LENGTH
    checked_in_browser: bool = True

    def raw_values(self, raw: str | Iterable[str] | None) -> list[str]:
        """The values given: repeated and/or comma-separated; free text is kept whole."""
        items = [] if raw is None else [raw] if isinstance(raw, str) else [str(i) for i in raw if i is not None]
        if self.choices is None:
            text = " ".join(items).strip()
            return [text] if text else []
        return [part.strip() for item in items for part in item.split(",") if part.strip()]

    def problem(self, value: str, vocab: Vocabulary) -> str | None:
        """Why `value` is not accepted (None when it is), said so that a person can fix it."""
        if self.choices is None:
            if len(value) > self.max_length:
                return f"text is {len(value)} characters long; at most {self.max_length}"
            return None
        choices = self.choices(vocab)
        if value in choices:
            return None
        listed = ", ".join(choices) if len(choices) <= 40 else f"{', '.join(list(choices)[:5])}…"
        return f"unknown {self.key} {value[:NOTICE_VALUE_CHARS]!r}; expected one of {listed}"

    def canonical(self, values: list[str]) -> Values:
        """One spelling per meaning: distinct values in the order given (the first one only
        for a single-valued parameter)."""
        distinct = tuple(dict.fromkeys(values))
        return distinct if self.multi else distinct[:1]

    def on_value(self, vocab: Vocabulary) -> str:
        """A flag's checked value: its one choice that is not the default."""
        return next(c for c in self.choices(vocab) if c not in self.default(vocab))

    def from_control(self, value, vocab: Vocabulary) -> Values:
        """The values its page control holds (`mapapp.view.fromControl` in the browser)."""
        if self.kind == "list":
            values = [str(v) for v in value or () if v]
        elif self.kind == "flag":
            values = [self.on_value(vocab)] if value else []
        else:
            values = [] if value is None or str(value).strip() == "" else [str(value).strip()]
        return self.canonical(values) if values else self.default(vocab)

    def control_value(self, values: Values, vocab: Vocabulary):
        """What its page control holds for `values` (`mapapp.view.toControl` in the browser)."""
        if self.kind == "list":
            return list(values)
        if self.kind == "flag":
            return [self.on_value(vocab)] if self.on_value(vocab) in values else []
        return values[0] if values else self.empty

    def spec(self, vocab: Vocabulary) -> dict:
        """This parameter for the browser (`browser_spec`)."""
        return {
            "key": self.key,
            "multi": self.multi,
            "default": list(self.default(vocab)),
            "choices": list(self.choices(vocab)) if self.choices and self.checked_in_browser else None,
            "control": self.control,
            "prop": self.prop,
            "kind": self.kind,
            "on": self.on_value(vocab) if self.kind == "flag" else None,
            "empty": self.empty,
            "requires": {"key": self.requires[0], "values": list(self.requires[1](vocab))} if self.requires else None,
        }


class PhaseParam(Param):
    """`phase`: phase numbers, or "all" (which wins over numbers), in phase order."""

    def canonical(self, values: list[str]) -> Values:
        if ALL in values:
            return (ALL,)
        return tuple(sorted(set(values), key=int))


def _historic(vocab: Vocabulary) -> Values:
    return tuple(str(p) for p in vocab.historic_phases)


def _among(key: str, label: str, meaning: str, vocabulary_field: str, control: str) -> Param:
    """A filter choosing several values among a vocabulary's (themes, regions), set by a list control."""
    return Param(key, label, meaning, choices=lambda v: getattr(v, vocabulary_field), multi=True, control=control)


def _flag(key: str, label: str, meaning: str, choices: Values, control: str, requires=None) -> Param:
    """A parameter set by a checkbox: unchecked, its first choice (or none, for a single choice);
    checked, the other one."""
    default = choices[:1] if len(choices) > 1 else ()
    return Param(
        key,
        label,
        meaning,
        choices=lambda v: choices,
        default=lambda v: default,
        control=control,
        kind="flag",
        requires=requires,
    )


THEME = _among("theme", "themes", "Pôles with one of these themes.", "themes", "theme-filter")
PHASE = PhaseParam(
    "phase",
    "phase",
    "Pôles that held a label in one of these phases; `all` for every phase since 2005. Without it, today's"
    " phase, as on the map.",
    choices=lambda v: (*(str(p) for p in v.phases), ALL),
    default=lambda v: (str(v.current_phase),),
    multi=True,
    control="phase-filter",
    kind="one",
)
REGION = _among(
    "region", "region", "Pôles active in one of these regions (INSEE region code).", "regions", "region-filter"
)
Q = Param(
    "q",
    "search",
    "Text in the name, a former name, an alias or a merged pôle's name (case- and accent-insensitive).",
    control="search",
    kind="one",
    empty="",
)
CLUSTER = Param(
    "cluster",
    "profile",
    "The pôle whose profile is open (its id).",
    choices=lambda v: tuple(sorted(v.cluster_ids)),
    control="selected",
    prop="data",
    kind="one",
    checked_in_browser=False,
)
MODE = Param(
    "mode",
    "coverage",
    "What colours the regions.",
    choices=lambda v: ("none", *MEASURES),
    default=lambda v: ("none",),
    control="coverage-mode",
    kind="one",
)
PER = _flag("per", "per_100k", "`100k`: the colouring per 100,000 inhabitants.", ("100k",), "coverage-per-capita")
LAYER = _flag(
    "layer",
    "layer_2015",
    "Region layer: `regions`, the 18 current regions, or `regions_2015`, the 27 regions in force before 2016"
    " (to read the phases begun before 2016 against the map of the time).",
    REGION_LAYERS,
    "coverage-layer",
    requires=("phase", _historic),
)
LANG = Param("lang", "lang_switch", "The page's language.", choices=lambda v: LANGS, default=lambda v: (DEFAULT_LANG,))
HIDE = Param(
    "hide",
    "embed_hide_filters",
    "`filters`: an embed without its filter panel (the map stays filtered).",
    choices=lambda v: ("filters",),
    multi=True,
)
SEP = Param(
    "sep",
    "csv",
    "CSV separator; `;` for French spreadsheets (decimal commas, oui/non, whole euros).",
    choices=lambda v: (",", ";"),
    default=lambda v: (",",),
)

FILTERS = (THEME, PHASE, REGION, Q)  # what selects pôles: the map, the table, every export and endpoint
PAGE = (*FILTERS, CLUSTER, MODE, PER, LAYER, LANG, HIDE)  # a page's whole view (and the map's `VIEWPORT`)


class Notice(NamedTuple):
    """A URL value the page could not use, shown to the reader in the page's language (the message
    `key` of the catalog, filled with `param` and the value as typed, cut to `NOTICE_VALUE_CHARS`)."""

    param: str
    value: str
    key: str = "notice_ignored"

    @classmethod
    def of(cls, param: str, value: str, key: str = "notice_ignored") -> Notice:
        cut = value if len(value) <= NOTICE_VALUE_CHARS else value[:NOTICE_VALUE_CHARS] + "…"
        return cls(param, cut, key)


def read(
    params: Iterable[Param], args: Mapping[str, str | Iterable[str] | None], vocab: Vocabulary, strict: bool
) -> tuple[dict[str, Values], list[Notice]]:
    """The values of `params` in `args` (a URL query or CLI flags), defaults where none is given.

    `strict`: the first bad value raises FilterError naming its parameter (HTTP API, CLI);
    otherwise bad values are dropped and named in the notices (pages)."""
    values: dict[str, Values] = {}
    notices: list[Notice] = []
    for param in params:
        good = []
        for value in param.raw_values(args.get(param.key)):
            problem = param.problem(value, vocab)
            if problem is None:
                good.append(value)
            elif strict:
                raise FilterError(param.key, problem)
            else:
                notices.append(Notice.of(param.key, value))
        if strict and not param.multi and len(set(good)) > 1:
            raise FilterError(param.key, f"given {len(good)} values; expected one")
        values[param.key] = param.canonical(good) if good else param.default(vocab)
    return values, notices


def filters_from(values: Mapping[str, Values]) -> Filters:
    """The selection of pôles that filter values name."""
    phases = values.get("phase", ())
    return Filters(
        themes=tuple(values.get("theme", ())),
        phases=() if ALL in phases else tuple(int(p) for p in phases),
        regions=tuple(values.get("region", ())),
        q=(values.get("q") or ("",))[0],
    )


def values_from(filters: Filters) -> dict[str, Values]:
    """The filter values that name a selection (no phase constraint is `phase=all`)."""
    return {
        "theme": filters.themes,
        "phase": tuple(str(p) for p in filters.phases) or (ALL,),
        "region": filters.regions,
        "q": (filters.q,) if filters.q else (),
    }


def parse_filters(args: Mapping[str, str | Iterable[str] | None], vocab: Vocabulary) -> Filters:
    """The filters of an API request or CLI call; FilterError names a bad parameter. Example:
    `parse_filters({"theme": "health,digital"}, vocab)` (today's phase, as no phase is given)."""
    return filters_from(read(FILTERS, args, vocab, strict=True)[0])


def parse_one(param: Param, args: Mapping[str, str | Iterable[str] | None], vocab: Vocabulary) -> str:
    """The one value of a single-valued API parameter (`sep`, `layer`), its default if none."""
    return read((param,), args, vocab, strict=True)[0][param.key][0]


def is_region_code(text: str) -> bool:
    """Whether `text` has the form of an INSEE region code (it may still name no region):
    `is_region_code("84")` is True, `is_region_code("8")` is False."""
    return re.fullmatch(REGION_CODE_PATTERN, text) is not None


def parse_compared_regions(raw: str | Iterable[str] | None, vocab: Vocabulary) -> Values:
    """The regions to compare from a `region` parameter (repeated or comma-separated): 2 to 4
    distinct known codes, else FilterError naming `region`."""
    codes = read((REGION,), {"region": raw}, vocab, strict=True)[0]["region"]
    if not MIN_COMPARED <= len(codes) <= MAX_COMPARED:
        raise FilterError(
            "region", f"{len(codes)} distinct regions given; compare {MIN_COMPARED} to {MAX_COMPARED} regions"
        )
    return codes


@dataclass(frozen=True)
class ViewState:
    """What a page URL shows: the values of every `PAGE` parameter (URL form), the map view
    (lat, lon, zoom) when the URL has one, and the notices naming what was dropped."""

    values: Mapping[str, Values] = field(default_factory=dict)
    viewport: tuple[float, float, float] | None = None
    notices: tuple[Notice, ...] = ()

    def one(self, key: str) -> str | None:
        values = self.values.get(key, ())
        return values[0] if values else None

    @property
    def filters(self) -> Filters:
        return filters_from(self.values)

    @property
    def cluster(self) -> str | None:
        return self.one("cluster")

    @property
    def lang(self) -> str:
        return self.one("lang") or DEFAULT_LANG

    @property
    def mode(self) -> str:
        return self.one("mode") or "none"

    @property
    def per_capita(self) -> bool:
        return bool(self.values.get("per"))

    @property
    def layer(self) -> str:
        return self.one("layer") or REGION_LAYERS[0]

    @property
    def hide_filters(self) -> bool:
        return "filters" in self.values.get("hide", ())

    def control_value(self, param: Param, vocab: Vocabulary):
        return param.control_value(self.values.get(param.key, param.default(vocab)), vocab)


def args_from_url(url: str | None) -> dict[str, list[str]]:
    """Query parameters of a page URL (`None` or no query: none)."""
    if not url:
        return {}
    return parse_qs(urlsplit(url).query, keep_blank_values=False)


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def parse_page(args: Mapping[str, list[str]], vocab: Vocabulary) -> ViewState:
    """Every understood parameter of a page URL; each bad one is dropped (its default used) and
    named in `notices`. A page shows one phase at a time, and the regions of 2015 only for the
    phases begun before 2016."""
    values, notices = read(PAGE, args, vocab, strict=False)
    if len(values["phase"]) > 1:
        notices.append(Notice.of("phase", values["phase"][0], "notice_one_phase"))
        values["phase"] = values["phase"][:1]
    values = _coherent(values, vocab)
    viewport = None
    if any(key in args for key, *_ in VIEWPORT):
        raw = [(args.get(key) or [""])[0] for key, *_ in VIEWPORT]
        numbers = [_number(text) for text in raw]
        if all(n is not None and low <= n <= high for n, (_, low, high) in zip(numbers, VIEWPORT, strict=True)):
            viewport = tuple(numbers)
        else:
            notices.append(Notice.of("lat/lon/zoom", "/".join(raw), "notice_bad_view"))
    return ViewState(values=values, viewport=viewport, notices=tuple(notices))


def _coherent(values: dict[str, Values], vocab: Vocabulary) -> dict[str, Values]:
    """`values` with each parameter whose requirement fails set back to its default."""
    for param in PAGE:
        other, allowed = param.requires or ("", None)
        if allowed and param.key in values and other in values and not set(values[other]) <= set(allowed(vocab)):
            values[param.key] = param.default(vocab)
    return values


def from_controls(vocab: Vocabulary, **controls) -> dict[str, Values]:
    """The view held by page controls (key -> what the control holds), for server callbacks."""
    by_key = {param.key: param for param in PAGE}
    return _coherent({key: by_key[key].from_control(value, vocab) for key, value in controls.items()}, vocab)


def page_url(values: Mapping[str, Values], vocab: Vocabulary, params: Iterable[Param] = PAGE, **changes) -> str:
    """The query string ("?theme=health&region=84") of a view, defaults left out, with `changes`
    (key -> values) applied: the server's twin of `mapapp.view.search` in the browser."""
    merged = {**values, **changes}
    pairs = [
        (param.key, value)
        for param in params
        if tuple(merged.get(param.key, ())) not in ((), param.default(vocab))
        for value in merged[param.key]
    ]
    return "?" + urlencode(pairs)


def browser_spec(vocab: Vocabulary) -> dict:
    """Every page parameter for the browser, sent once with the page (assets/mapapp-view.js)."""
    return {
        "all": ALL,
        "params": [param.spec(vocab) for param in PAGE],
        "filters": [param.key for param in FILTERS],
        "viewport": [key for key, *_ in VIEWPORT],
    }


def slug(text: str) -> str:
    """A file-name-safe form: "Santé et biotechnologies" -> "sante-et-biotechnologies"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def download_name(kind: str, filters: Filters, vocab: Vocabulary, extension: str, *names: str) -> str:
    """A download named for what it holds, in French like the data: `kind`, then `names`, the
    themes, the regions, the search and the phase — e.g.
    "poles-sante-et-biotechnologies-auvergne-rhone-alpes-phase-5.csv"."""
    parts = [
        kind,
        *names,
        *(vocab.theme_names.get(theme, theme) for theme in filters.themes),
        *(vocab.region_names.get(region, region) for region in filters.regions),
        *(("recherche", filters.q) if filters.q else ()),
        "phase-" + "-".join(str(p) for p in filters.phases) if filters.phases else "toutes-phases",
    ]
    name = "-".join(part for part in map(slug, parts) if part)
    if len(name) > FILE_NAME_CHARS:
        name = name[:FILE_NAME_CHARS].rsplit("-", 1)[0]
    return f"{name}.{extension}"
