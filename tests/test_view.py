"""The one definition of a view (`mapapp.view`): page URLs read leniently, API and CLI strictly,
with the same defaults; the browser gets the same definitions."""

from __future__ import annotations

import pytest

from mapapp import view
from mapapp.data import query
from mapapp.data.query import FilterError, Filters


@pytest.fixture(scope="module")
def vocab(store):
    return query.vocabulary(store)


@pytest.fixture(scope="module")
def parse(vocab):
    return lambda url: view.parse_page(view.args_from_url(url), vocab)


def test_no_query_means_today_s_pôles_in_french(parse, vocab):
    state = parse("http://x/")
    assert state == parse(None)
    assert vocab.current_phase == 5
    assert state.filters == Filters(phases=(5,)) and state.lang == "fr" and state.notices == ()


def test_every_parameter_is_understood(parse):
    state = parse(
        "http://x/embed?theme=health,digital&phase=all&region=84&q=lyon&cluster=lyonbiopole&lang=en"
        "&lat=45.7&lon=4.8&zoom=9.5&hide=filters&mode=members&per=100k"
    )
    assert state.filters == Filters(themes=("health", "digital"), regions=("84",), q="lyon")
    assert (state.cluster, state.lang, state.viewport, state.notices) == ("lyonbiopole", "en", (45.7, 4.8, 9.5), ())
    assert (state.hide_filters, state.mode, state.per_capita) == (True, "members", True)


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
        ("?mode=colours", "colours"),
    ],
)
def test_bad_values_are_dropped_with_a_notice(parse, url, named):
    state = parse("http://x/" + url)
    assert any(named == notice.value for notice in state.notices), state.notices
    assert state.cluster is None and state.viewport is None


def test_a_bad_phase_falls_back_to_the_default_phase_not_to_all(parse):
    assert parse("http://x/?phase=9").filters.phases == (5,)
    assert parse("http://x/?phase=9,all").filters.phases == ()


def test_good_values_survive_bad_neighbours(parse):
    state = parse("http://x/?theme=health,cooking&region=84,xx")
    assert state.filters.themes == ("health",) and state.filters.regions == ("84",)
    assert len(state.notices) == 2


def test_the_regions_of_2015_only_for_the_phases_before_2016(parse, vocab):
    assert vocab.historic_phases == (1, 2, 3)
    assert parse("http://x/?phase=2&layer=regions_2015").layer == "regions_2015"
    assert parse("http://x/?layer=regions_2015").layer == "regions"  # today's phase


def test_api_and_page_share_the_default_phase(vocab, parse):
    assert view.parse_filters({}, vocab) == parse("http://x/").filters == Filters(phases=(5,))
    assert view.parse_filters({"phase": "all"}, vocab) == Filters()
    assert view.parse_filters({"phase": ["4", "all"]}, vocab) == Filters()
    with pytest.raises(FilterError) as err:
        view.parse_filters({"phase": "6"}, vocab)
    assert err.value.parameter == "phase" and "'6'" in str(err.value)


def test_phases_come_from_the_phases_table(store):
    """Adding phase 6 is a row of geodata/phases.csv: the vocabulary, the default and the
    browser's definitions follow."""
    import dataclasses

    row = store.phases.iloc[[-1]].assign(phase=6, start_year=2027, end_year=2030)
    six = dataclasses.replace(store, phases=store.phases._append(row, ignore_index=True), cache={})
    vocab = query.vocabulary(six)
    assert vocab.phases == (1, 2, 3, 4, 5, 6) and vocab.current_phase == 6
    assert view.parse_filters({}, vocab) == Filters(phases=(6,))
    phase = next(p for p in view.browser_spec(vocab)["params"] if p["key"] == "phase")
    assert phase["default"] == ["6"] and phase["choices"] == ["1", "2", "3", "4", "5", "6", "all"]


def test_page_url_leaves_defaults_out(vocab):
    values = view.parse_page(view.args_from_url("?theme=health&region=84"), vocab).values
    assert view.page_url(values, vocab, cluster=("lyonbiopole",)) == "?theme=health&region=84&cluster=lyonbiopole"
    assert view.page_url(values, vocab, phase=("all",)) == "?theme=health&phase=all&region=84"


def test_controls_round_trip(vocab):
    """What a page control holds and the URL values it stands for convert both ways."""
    for param, values in (
        (view.THEME, ("health", "digital")),
        (view.PHASE, ("all",)),
        (view.Q, ("lyon",)),
        (view.PER, ("100k",)),
        (view.LAYER, ("regions_2015",)),
        (view.CLUSTER, ()),
    ):
        control = param.control_value(values, vocab)
        assert param.from_control(control, vocab) == (values or param.default(vocab))


def test_download_names_say_what_they_hold(vocab):
    filters = Filters(themes=("health",), phases=(5,), regions=("84",))
    assert (
        view.download_name("poles", filters, vocab, "csv")
        == "poles-sante-et-biotechnologies-auvergne-rhone-alpes-phase-5.csv"
    )
    assert view.download_name("regions", Filters(), vocab, "csv") == "regions-toutes-phases.csv"
    long = Filters(themes=vocab.themes)
    assert len(view.download_name("poles", long, vocab, "csv")) <= view.FILE_NAME_CHARS + 4
