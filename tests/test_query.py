"""The one query function: filters, combinations, text search, bad values, regions."""

from __future__ import annotations

import pytest

from mapapp.data import query
from mapapp.data.coverage import region_coverage
from mapapp.data.query import FilterError, Filters, filter_clusters
from mapapp.view import parse_filters


@pytest.fixture(scope="module")
def vocab(store):
    return query.vocabulary(store)


def ids(store, **kwargs):
    return set(filter_clusters(store, Filters(**kwargs))["id"])


def test_no_filter_returns_every_pôle(store):
    assert ids(store) == set(store.clusters["id"])


def test_theme_filter_keeps_only_pôles_with_that_theme(store):
    health = ids(store, themes=("health",))
    assert health and health < ids(store)
    themes = store.clusters.set_index("id")["theme_list"]
    assert all("health" in themes[i] for i in health)
    assert all("health" not in themes[i] for i in ids(store) - health)


def test_several_values_of_one_parameter_are_alternatives(store):
    assert ids(store, themes=("health", "digital")) == ids(store, themes=("health",)) | ids(store, themes=("digital",))


def test_parameters_combine(store):
    both = ids(store, themes=("health",), regions=("84",))
    assert both == ids(store, themes=("health",)) & ids(store, regions=("84",))
    assert "lyonbiopole" in both


def test_phase_means_held_a_label_in_that_phase(store):
    phase4 = ids(store, phases=(4,))
    events = store.labels[store.labels["phase"] == 4]
    granted = events[events["status"].isin(["labelled", "one_year", "two_year", "probation"])]
    assert phase4 == set(granted["cluster_id"])
    assert "polymeris" in phase4
    assert "polymeris" not in ids(store, phases=(1,))  # born on 31 Dec 2020


def test_region_filter_uses_regions_of_activity(store):
    reunion = ids(store, regions=("04",))
    assert "qualitropic" in reunion
    regions = store.clusters.set_index("id")["region_list"]
    assert all("04" in regions[i] for i in reunion)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("medicen", "medicen-paris-region"),
        ("MEDICEN", "medicen-paris-region"),
        ("pole europeen de la ceramique", None),
        ("mov'eo", "nextmove"),
        ("moveo", "nextmove"),
        ("végépolys", None),
    ],
)
def test_search_ignores_case_accents_and_punctuation(store, text, expected):
    found = ids(store, q=text)
    if expected:
        assert expected in found
    else:
        assert found, text


def test_search_with_no_match_is_empty_not_an_error(store):
    assert filter_clusters(store, Filters(q="zzzz-no-such-pôle")).empty


def test_figures_come_along(store):
    table = filter_clusters(store, Filters())
    for column in ("members", "projects", "funding_eur", "sample", "seat_name", "phases"):
        assert column in table.columns


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"theme": "cooking"}, "theme"),
        ({"theme": "health,cooking"}, "theme"),
        ({"phase": "9"}, "phase"),
        ({"phase": "0"}, "phase"),
        ({"phase": "deux"}, "phase"),
        ({"region": "xx"}, "region"),
        ({"region": "72"}, "region"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_values_name_their_parameter(vocab, params, parameter):
    with pytest.raises(FilterError) as err:
        parse_filters(params, vocab)
    assert err.value.parameter == parameter
    assert parameter in str(err.value)


def test_multi_values_by_repetition_or_commas(vocab):
    a = parse_filters({"theme": ["health", "digital"], "phase": "4,5"}, vocab)
    b = parse_filters({"theme": "health,digital", "phase": ["4", "5"]}, vocab)
    assert a == b == Filters(themes=("health", "digital"), phases=(4, 5))


def test_region_coverage_sums_match_the_cluster_view(store):
    table = region_coverage(store, Filters())
    assert len(table) == 18
    clusters = filter_clusters(store, Filters())
    # Every pôle is placed: at its sourced commune, or inside its region for want of one.
    assert clusters.geometry.notna().all()
    assert table["clusters_seated"].sum() == len(clusters)
    assert table["members"].sum() == clusters["members"].sum()
    mayotte = table.set_index("code").loc["06"]
    assert mayotte["population"] != mayotte["population"]  # NaN: unknown, not zero
    assert mayotte["members_per_100k"] != mayotte["members_per_100k"]
