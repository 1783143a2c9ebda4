"""The deterministic sample of activity data (members, projects, funding), flagged `sample`.

No official open file lists members, projects or funding per pôle, so `build_sample` generates
them from a fixed seed, calibrated on published orders of magnitude (docs/PRODUCT.md, "Data"):
each pôle's members count is its latest published one (`cluster_figures.csv`) where it published
one (~200 members per pôle otherwise, 18,500 in the phase 5 pôles when no figure is known),
~2.5 M€ per project of which about 30% is public funding. Every name is obviously fictitious and
no SIREN is ever invented.

`scale=K` (K > 1) builds benchmark data: a complete data folder (usable as MAPAPP_GEODATA_DIR
and MAPAPP_DATA_DIR) whose directory holds K× the pôles, the (K-1)× synthetic ones flagged by
`source = "sample"`, with activity tables covering all of them.

Example:
    >>> counts = build_sample(Path("geodata"), Path("/tmp/sample"), seed=2005)  # doctest: +SKIP
    >>> sorted(counts)  # doctest: +SKIP
    ['funding', 'members', 'projects']
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.random import PCG64, Generator
from tqdm import tqdm

from mapapp.data.labels import LABEL_STATUSES, clusters_active_on
from mapapp.data.schema import select_fields
from mapapp.data.store import ACTIVITY_TABLES, SAMPLE_SOURCE, load_directory, load_figures
from mapapp.geo.build import geoparquet_bytes
from mapapp.geo.layers import read_layer

SAMPLE_AS_OF = "2026-11-23"  # fixed, so that the same seed gives byte-identical files
PARQUET_COMPRESSION = "zstd"  # as geoparquet_bytes, which writes members.parquet

# Years each phase's labels cover; sample activity never goes past LAST_YEAR.
PHASE_YEARS = {1: (2005, 2008), 2: (2009, 2012), 3: (2013, 2018), 4: (2019, 2022), 5: (2023, 2026)}
FIRST_YEAR, LAST_YEAR = 2005, 2026
YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)

# Members: 18,500 in the phase 5 pôles (DGE), 65% SME+ETI, 8% large, 17% research+training.
CURRENT_MEMBERS_TOTAL = 18_500
HISTORICAL_MEMBERS = (60, 120)  # pôles no longer labelled: smaller, older memberships
MEMBER_SPREAD = 4.0  # gamma shape of the members-per-pôle weights (cv = 50%)
CATEGORIES = ("large", "eti", "sme", "research", "training", "other")
CATEGORY_SHARES = (0.08, 0.12, 0.53, 0.11, 0.06, 0.10)
IN_REGION_SHARE = 0.85  # members in the pôle's regions of activity; the rest anywhere in France

# Projects: a thin sample (the real 2008 count was 1,900 labelled, 1,250 funded for 940 M€).
PROJECTS_PER_CLUSTER = 15  # on average at scale 1; pôles labelled in more phases get more
PROJECT_COST_MEAN_EUR = 2_500_000
PROJECT_COST_SIGMA = 1.0  # lognormal spread of total costs
PARTNERS = (2, 8)
CO_LABEL_SHARE = 0.10  # projects labelled by a second pôle active at the time

# Funding: 1-3 lines per project, public share ~30% of cost (940 M€ / 1,250 projects ≈ 0.75 M€).
FUNDERS = ("state_fui", "region", "feder", "anr", "bpifrance", "pia", "eu")
FUNDING_LINES = (1, 2, 3)
FUNDING_LINE_SHARES = (0.4, 0.4, 0.2)
PUBLIC_SHARE = (0.25, 0.35)


def sample_source(seed: int, scale: int) -> str:
    """The `source` of every generated activity row: the command that rebuilds it."""
    return f"{SAMPLE_SOURCE}: python -m mapapp build-sample --seed {seed} --scale {scale}"


def funder_weights(years: np.ndarray) -> np.ndarray:
    """Relative odds of each funder (columns in FUNDERS order) for projects of `years`.

    FUI calls ended in 2018; PIA (then France 2030) started in 2010; Bpifrance exists since 2013
    (OSEO before, filed under the same id); EU programmes weigh in from Horizon 2020 (2014).
    """
    years = np.asarray(years)
    ones = np.ones(len(years))
    return np.column_stack(
        [
            np.where(years <= 2018, 3.0, 0.0),  # state_fui
            2.0 * ones,  # region
            1.0 * ones,  # feder
            1.0 * ones,  # anr
            np.where(years >= 2013, 2.0, 0.7),  # bpifrance (OSEO before 2013)
            np.where(years >= 2021, 2.0, np.where(years >= 2010, 1.2, 0.0)),  # pia / France 2030
            np.where(years >= 2014, 1.5, 0.2),  # eu
        ]
    )


class _Gazetteer:
    """Populated communes with a point, for population-weighted draws, whole or per region."""

    def __init__(self, communes: gpd.GeoDataFrame):
        usable = communes[communes["population"].notna() & communes.geometry.notna()]
        usable = usable[usable["population"] > 0].sort_values(["region_code", "code"])
        self.frame = usable.reset_index(drop=True)
        population = self.frame["population"].to_numpy(dtype="float64")
        self.cumulative = np.cumsum(population)
        self.total = float(self.cumulative[-1])
        self.region_codes = np.array(sorted(self.frame["region_code"].unique()), dtype=object)
        region = self.frame["region_code"].to_numpy()
        starts = np.searchsorted(region, self.region_codes, side="left")
        ends = np.searchsorted(region, self.region_codes, side="right")
        before = np.concatenate([[0.0], self.cumulative])
        self.region_start = before[starts]
        self.region_population = before[ends] - before[starts]

    def region_index(self, codes: pd.Series) -> np.ndarray:
        """Index into `region_codes` for each code, -1 where unknown."""
        index = pd.Index(self.region_codes).get_indexer(codes)
        return np.asarray(index)

    def draw(self, u: np.ndarray, region: np.ndarray | None = None) -> np.ndarray:
        """Row of the commune hit by uniforms `u`, in France or in `region` (index, -1 = all)."""
        if region is None:
            target = u * self.total
        else:
            inside = region >= 0
            safe = np.where(inside, region, 0)
            target = np.where(inside, self.region_start[safe] + u * self.region_population[safe], u * self.total)
        rows = np.searchsorted(self.cumulative, target, side="right")
        return np.minimum(rows, len(self.cumulative) - 1)


def _synthetic_directory(
    clusters: pd.DataFrame, labels: pd.DataFrame, gazetteer: _Gazetteer, scale: int, rng: Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """clusters.csv and cluster_labels.csv rows of the real pôles plus (scale-1)× copies."""
    copies, label_copies = [clusters], [labels]
    seat_region = gazetteer.region_index(clusters["region_codes"].str.split("|").str[0])
    names = gazetteer.frame["name"].to_numpy()
    codes = gazetteer.frame["code"].to_numpy()
    for k in range(2, scale + 1):
        rows = gazetteer.draw(rng.random(len(clusters)), seat_region)
        known = seat_region >= 0
        copy = clusters.assign(
            id=f"sample-{k}-" + clusters["id"],
            name=f"Pôle d'exemple {k} — " + clusters["name"],
            seat_commune_code=np.where(known, codes[rows], ""),
            seat_commune_name=np.where(known, names[rows], ""),
            website="",  # the real pôle's site says nothing about a synthetic one
            merged_into="",
            merged_date="",
            source=SAMPLE_SOURCE,
            as_of=SAMPLE_AS_OF,
        )
        copies.append(copy)
        joint = labels["application"] != ""
        label_copies.append(
            labels.assign(
                cluster_id=f"sample-{k}-" + labels["cluster_id"],
                # Joint applications stay joint within one copy, never with the real pôles.
                application=np.where(joint, f"sample-{k}-" + labels["application"], ""),
                source=SAMPLE_SOURCE,
            )
        )
    return pd.concat(copies, ignore_index=True), pd.concat(label_copies, ignore_index=True)


def _member_counts(clusters: pd.DataFrame, scale: int, rng: Generator, published: pd.Series) -> np.ndarray:
    """Members per pôle, calibrated on the real figures: a pôle that published a members figure
    gets exactly its latest one (`published`, by id), so sample maps show the right orders of
    magnitude; other current pôles get a gamma-spread count around the median published figure
    (or share 18,500 × scale when no figure is known); pôles no longer labelled get 60-120."""
    current = clusters["current"].to_numpy(dtype=bool)
    counts = rng.integers(HISTORICAL_MEMBERS[0], HISTORICAL_MEMBERS[1] + 1, len(clusters))
    weights = rng.gamma(MEMBER_SPREAD, size=int(current.sum()))
    known = pd.to_numeric(clusters["id"].map(published), errors="coerce").to_numpy(dtype="float64")
    has_figure = ~np.isnan(known)
    if has_figure.any():
        typical = float(np.median(known[has_figure]))
        guessed = np.maximum(np.rint(weights / MEMBER_SPREAD * typical), PARTNERS[0]).astype(np.int64)
        counts[current] = guessed
        counts[has_figure] = known[has_figure].astype(np.int64)
    elif len(weights):
        target = CURRENT_MEMBERS_TOTAL * scale
        exact = weights / weights.sum() * target
        share = np.floor(exact).astype(np.int64)
        # Largest remainders get the leftover members, so the total is exactly the target.
        leftover = target - int(share.sum())
        share[np.argsort(-(exact - share), kind="stable")[:leftover]] += 1
        counts[current] = share
    return counts.astype(np.int64)


def _labelled_years(clusters: pd.DataFrame) -> np.ndarray:
    """Boolean matrix pôle × YEARS: years of the phases in which the pôle held a label."""
    held = np.zeros((len(clusters), len(YEARS)), dtype=bool)
    years = YEARS
    for phase, (start, end) in PHASE_YEARS.items():
        has = clusters["phases"].map(lambda phases, p=phase: p in phases).to_numpy(dtype=bool)
        held[np.ix_(has, (years >= start) & (years <= end))] = True
    return held


def _numbers(width: int, upto: int) -> np.ndarray:
    return np.array([f"{n:0{width}d}" for n in range(upto + 1)], dtype=object)


def _members(
    clusters: pd.DataFrame,
    labels: pd.DataFrame,
    gazetteer: _Gazetteer,
    counts: np.ndarray,
    source: str,
    rng: Generator,
) -> gpd.GeoDataFrame:
    n = int(counts.sum())
    cluster = np.repeat(np.arange(len(clusters)), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    number = np.arange(n) - offsets[cluster] + 1
    ids = clusters["id"].to_numpy(dtype=object)

    category = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_SHARES)

    # Region of activity per member, weighted by the regions' populations; then a commune.
    regions = clusters[["region_list"]].assign(cluster=np.arange(len(clusters)))
    regions = regions.explode("region_list")
    regions["region"] = gazetteer.region_index(regions["region_list"].fillna(""))
    regions = regions[regions["region"] >= 0]
    weight = gazetteer.region_population[regions["region"].to_numpy()]
    owner = regions["cluster"].to_numpy(dtype=np.int64)
    per_cluster = np.bincount(owner, weights=weight, minlength=len(clusters))
    cumulative = pd.Series(weight).groupby(owner).cumsum().to_numpy() / per_cluster[owner]
    # Keys `cluster + cumulative share` are sorted, so one search picks every member's region.
    keys = owner + cumulative
    in_region = (rng.random(n) < IN_REGION_SHARE) & (per_cluster[cluster] > 0)
    pick = np.searchsorted(keys, cluster + rng.random(n), side="right")
    pick = np.minimum(pick, max(len(keys) - 1, 0))
    region = np.where(in_region, regions["region"].to_numpy()[pick] if len(keys) else -1, -1)
    commune = gazetteer.draw(rng.random(n), region)

    first = labels[labels["status"].isin(LABEL_STATUSES)]
    first_year = first.groupby("cluster_id")["date"].min().str[:4].astype(int)
    held = _labelled_years(clusters)
    last_year = np.where(held.any(axis=1), YEARS[::-1][np.argmax(held[:, ::-1], axis=1)], LAST_YEAR)
    low = clusters["id"].map(first_year).fillna(FIRST_YEAR).to_numpy(dtype=np.int64)
    high = np.maximum(low, last_year)  # nobody joins a pôle after its last label ended
    since = low[cluster] + np.floor(rng.random(n) * (high - low + 1)[cluster]).astype(np.int64)

    numbers = _numbers(5, int(counts.max(initial=0)))
    frame = pd.DataFrame(
        {
            "member_id": ("m-" + ids + "-")[cluster] + numbers[number],
            "cluster_id": ids[cluster],
            # No category in the name: it is data, in French, while the UI names the category
            # in the reader's language.
            "name": "Membre d'exemple " + numbers[number],
            "category": np.array(CATEGORIES, dtype=object)[category],
            "commune_code": gazetteer.frame["code"].to_numpy(dtype=object)[commune],
            "siren": np.full(n, "", dtype=object),  # never invented
            "since": since,
            "geometry": gazetteer.frame.geometry.to_numpy()[commune],
            "sample": np.ones(n, dtype=bool),
            "source": source,
            "as_of": SAMPLE_AS_OF,
        }
    )
    return gpd.GeoDataFrame(select_fields(frame, "members"), geometry="geometry", crs="EPSG:4326")


def _projects(
    clusters: pd.DataFrame,
    members: pd.DataFrame,
    member_counts: np.ndarray,
    source: str,
    rng: Generator,
) -> pd.DataFrame:
    held = _labelled_years(clusters)
    phases_held = clusters["phases"].map(len).to_numpy()
    mean_phases = phases_held[phases_held > 0].mean() if (phases_held > 0).any() else 1.0
    counts = rng.poisson(PROJECTS_PER_CLUSTER * phases_held / mean_phases)
    counts = np.where(member_counts >= PARTNERS[0], counts, 0)
    n = int(counts.sum())
    lead = np.repeat(np.arange(len(clusters)), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    number = np.arange(n) - offsets[lead] + 1
    ids = clusters["id"].to_numpy(dtype=object)

    # Year: uniform over the years of the lead pôle's labelled phases.
    years_held = held.sum(axis=1)
    nth = np.floor(rng.random(n) * years_held[lead]).astype(np.int64)
    year = YEARS[(np.cumsum(held, axis=1)[lead] > nth[:, None]).argmax(axis=1)]

    cost = rng.lognormal(np.log(PROJECT_COST_MEAN_EUR) - PROJECT_COST_SIGMA**2 / 2, PROJECT_COST_SIGMA, n)
    cost = np.rint(cost)

    # Partners: k distinct members of the lead pôle (Floyd's algorithm, one pass per slot).
    size = member_counts[lead]
    k = np.minimum(rng.integers(PARTNERS[0], PARTNERS[1] + 1, n), size)
    chosen = np.full((n, PARTNERS[1]), -1, dtype=np.int64)
    for slot in range(PARTNERS[1]):
        active = slot < k
        top = size - k + slot
        draw = np.floor(rng.random(n) * (top + 1)).astype(np.int64)
        taken = (chosen[:, :slot] == draw[:, None]).any(axis=1)
        chosen[:, slot] = np.where(active, np.where(taken, top, draw), -1)
    chosen = np.sort(np.where(chosen < 0, np.iinfo(np.int64).max, chosen), axis=1)
    member_offsets = np.concatenate([[0], np.cumsum(member_counts)[:-1]])
    member_ids = members["member_id"].to_numpy(dtype=object)
    partner_ids = member_ids[member_offsets[lead] + chosen[:, 0]]
    for slot in range(1, PARTNERS[1]):
        active = slot < k
        row = np.where(active, member_offsets[lead] + np.where(active, chosen[:, slot], 0), 0)
        partner_ids = partner_ids + np.where(active, "|" + member_ids[row], "")

    # Co-labelling: one other pôle holding a label in the phase of the project's year.
    phase_of_year = np.searchsorted([start for start, _ in PHASE_YEARS.values()], year, "right")
    co_label = np.full(n, "", dtype=object)
    chosen_co = rng.random(n) < CO_LABEL_SHARE
    u = rng.random(n)
    for phase in PHASE_YEARS:
        active = np.flatnonzero(clusters["phases"].map(lambda p, ph=phase: ph in p).to_numpy())
        rows = np.flatnonzero(chosen_co & (phase_of_year == phase))
        if len(active) < 2 or not len(rows):
            continue
        other = np.floor(u[rows] * (len(active) - 1)).astype(np.int64)
        other += other >= np.searchsorted(active, lead[rows])  # skip the lead itself
        co_label[rows] = "|" + ids[active[other]]

    numbers = _numbers(4, int(counts.max(initial=0)))
    frame = pd.DataFrame(
        {
            "project_id": ("p-" + ids + "-")[lead] + numbers[number],
            "cluster_id": ids[lead],
            "cluster_ids": ids[lead] + co_label,
            "title": "Projet d'exemple " + numbers[number],
            "year": year.astype(np.int64),
            "total_cost_eur": cost,
            "partner_ids": partner_ids,
            "sample": np.ones(n, dtype=bool),
            "source": source,
            "as_of": SAMPLE_AS_OF,
        }
    )
    return select_fields(frame, "projects")


def _funding(projects: pd.DataFrame, source: str, rng: Generator) -> pd.DataFrame:
    n = len(projects)
    year = projects["year"].to_numpy()
    lines = rng.choice(FUNDING_LINES, size=n, p=FUNDING_LINE_SHARES)
    # Distinct funders drawn with era weights: Gumbel top-k over log-weights.
    with np.errstate(divide="ignore"):
        keys = np.log(funder_weights(year)) + rng.gumbel(size=(n, len(FUNDERS)))
    funders = np.argsort(-keys, axis=1, kind="stable")[:, : max(FUNDING_LINES)]
    used = np.arange(max(FUNDING_LINES))[None, :] < lines[:, None]
    split = np.where(used, rng.gamma(2.0, size=used.shape), 0.0)
    split /= split.sum(axis=1, keepdims=True)
    public = projects["total_cost_eur"].to_numpy() * rng.uniform(*PUBLIC_SHARE, n)
    amount = np.rint(public[:, None] * split)

    project, slot = np.nonzero(used)  # row-major: lines grouped by project, in slot order
    frame = pd.DataFrame(
        {
            "project_id": projects["project_id"].to_numpy(dtype=object)[project],
            "cluster_id": projects["cluster_id"].to_numpy(dtype=object)[project],
            "funder": np.array(FUNDERS, dtype=object)[funders[project, slot]],
            "year": year[project].astype(np.int64),
            "amount_eur": amount[project, slot],
            "sample": np.ones(len(project), dtype=bool),
            "source": source,
            "as_of": SAMPLE_AS_OF,
        }
    )
    return select_fields(frame, "funding")


def _published_members(geodata_dir: Path) -> pd.Series:
    """The latest members figure each pôle published (`cluster_figures.csv`), by pôle id."""
    figures = load_figures(geodata_dir)
    members = figures[figures["measure"] == "members"].sort_values(["cluster_id", "as_of"], kind="stable")
    return members.groupby("cluster_id")["value"].last()


def _write_directory(geodata_dir: Path, out_dir: Path, clusters: pd.DataFrame, labels: pd.DataFrame) -> None:
    """A complete data folder: reference layers, web layers, themes and the augmented directory."""
    for path in sorted(geodata_dir.glob("*.parquet")):
        if path.stem not in ACTIVITY_TABLES:
            shutil.copyfile(path, out_dir / path.name)
    for name in ("themes.csv", "phases.csv", "cluster_figures.csv"):  # unchanged by the synthetic pôles
        if (geodata_dir / name).exists():
            shutil.copyfile(geodata_dir / name, out_dir / name)
    if (geodata_dir / "web").is_dir():  # the app serves its map layers from geodata_dir/web
        shutil.copytree(geodata_dir / "web", out_dir / "web", dirs_exist_ok=True)
    clusters.to_csv(out_dir / "clusters.csv", index=False, lineterminator="\n", encoding="utf-8")
    labels.to_csv(out_dir / "cluster_labels.csv", index=False, lineterminator="\n", encoding="utf-8")


def build_sample(
    geodata_dir: Path, out_dir: Path, seed: int = 2005, scale: int = 1, progress: bool = True
) -> dict[str, int]:
    """Write members.parquet (GeoParquet), projects.parquet and funding.parquet to `out_dir`.

    The same `seed` and `scale` give byte-identical files. With `scale` K > 1, `out_dir` also
    gets a complete data folder whose directory holds K× the pôles (see the module docstring).
    Returns the number of rows written per table.
    """
    geodata_dir, out_dir = Path(geodata_dir), Path(out_dir)
    if scale < 1:
        raise ValueError(f"scale must be a whole number ≥ 1, got {scale}")
    if scale > 1 and out_dir.resolve() == geodata_dir.resolve():
        raise ValueError(
            f"--scale {scale} writes a whole data folder: choose an output folder "
            f"other than the real directory {geodata_dir}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = Generator(PCG64(seed))
    source = sample_source(seed, scale)
    counts: dict[str, int] = {}
    steps = ["directory", "members", "projects", "funding", "write"]
    with tqdm(total=len(steps), desc="build-sample", unit="step", disable=not progress) as bar:
        bar.set_postfix_str(steps[0])
        communes = read_layer(geodata_dir, "communes")
        gazetteer = _Gazetteer(communes)
        directory_dir = geodata_dir
        if scale > 1:
            raw = {
                name: pd.read_csv(geodata_dir / f"{name}.csv", dtype=str, keep_default_na=False)
                for name in ("clusters", "cluster_labels")
            }
            clusters_csv, labels_csv = _synthetic_directory(
                raw["clusters"], raw["cluster_labels"], gazetteer, scale, rng
            )
            _write_directory(geodata_dir, out_dir, clusters_csv, labels_csv)
            counts |= {"clusters": len(clusters_csv), "cluster_labels": len(labels_csv)}
            directory_dir = out_dir
        _, clusters, labels = load_directory(directory_dir, communes)
        # "Current" as of the sample's date, not today's: the bytes must not change with the clock.
        clusters["current"] = clusters["id"].isin(clusters_active_on(labels, SAMPLE_AS_OF))
        bar.update()

        bar.set_postfix_str(steps[1])
        member_counts = _member_counts(clusters, scale, rng, _published_members(geodata_dir))
        members = _members(clusters, labels, gazetteer, member_counts, source, rng)
        bar.update()
        bar.set_postfix_str(steps[2])
        projects = _projects(clusters, members, member_counts, source, rng)
        bar.update()
        bar.set_postfix_str(steps[3])
        funding = _funding(projects, source, rng)
        bar.update()

        bar.set_postfix_str(steps[4])
        # GeoParquet without the PROJ-dependent CRS wording (CRS84 is GeoParquet's default).
        (out_dir / "members.parquet").write_bytes(geoparquet_bytes(members))
        for name, frame in (("projects", projects), ("funding", funding)):
            frame.to_parquet(out_dir / f"{name}.parquet", index=False, compression=PARQUET_COMPRESSION)
        bar.update()
    return counts | {"members": len(members), "projects": len(projects), "funding": len(funding)}
