"""Page URL → view state: every understood parameter kept, every bad one dropped and named."""

from __future__ import annotations

import pytest

from mapapp.data import query
from mapapp.data.query import Filters
from mapapp.ui.state import args_from_url, parse_view_state


@pytest.fixture(scope="module")
def parse(store):
    vocab, ids = query.vocabulary(store), set(store.clusters["id"])
    return lambda url: parse_view_state(args_from_url(url), vocab, ids)


def test_no_query_means_today_s_pôles_in_french(parse):
    state = parse("http://x/")
    assert state == parse(None)
    assert state.filters == Filters(phases=(5,)) and state.lang == "fr" and state.notices == ()


def test_every_parameter_is_understood(parse):
    state = parse(
        "http://x/embed?theme=health,digital&phase=all&region=84&q=lyon&cluster=lyonbiopole&lang=en"
        "&lat=45.7&lon=4.8&zoom=9.5"
    )
    assert state.filters == Filters(themes=("health", "digital"), regions=("84",), q="lyon")
    assert (state.cluster, state.lang, state.view, state.notices) == ("lyonbiopole", "en", (45.7, 4.8, 9.5), ())


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("?theme=cooking", "cooking"),
        ("?phase=9", "9"),
        ("?region=xx", "xx"),
        ("?cluster=nope", "nope"),
        ("?lang=de", "de"),
        ("?lat=95&lon=2&zoom=6", "95/2/6"),
        ("?lat=a&lon=2&zoom=6", "a/2/6"),
        ("?q=" + "x" * 200, "x" * 40 + "…"),
        ("?hide=header", "header"),
    ],
)
def test_bad_values_are_dropped_with_a_notice(parse, url, named):
    state = parse("http://x/" + url)
    assert any(named == notice.value for notice in state.notices), state.notices
    assert state.cluster is None and state.view is None


def test_good_values_survive_bad_neighbours(parse):
    state = parse("http://x/?theme=health,cooking&region=84,xx")
    assert state.filters.themes == ("health",) and state.filters.regions == ("84",)
    assert len(state.notices) == 2
