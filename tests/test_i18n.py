"""French and English: the same messages in both catalogs, and numbers, money and dates written
the way each language writes them."""

from __future__ import annotations

import re

from mapapp.data.profile import cluster_profile
from mapapp.i18n import MESSAGES, format_date, format_eur, format_euros, format_number, t
from mapapp.ui.profile import profile_panel

PHASES = (1, 2, 3, 4, 5)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_both_catalogs_have_every_key_with_the_same_placeholders():
    assert set(MESSAGES["fr"]) == set(MESSAGES["en"])
    for key, french in MESSAGES["fr"].items():
        assert placeholders(french) == placeholders(MESSAGES["en"][key]), key


def test_numbers_money_and_dates_per_locale():
    # The issue's own examples: 1 234,5 M€ / €1,234.5M.
    assert format_eur("fr", 1_234_500_000) == "1\u202f234,5\u202fM€"
    assert format_eur("en", 1_234_500_000) == "€1,234.5M"
    assert format_euros("fr", 1_300_500) == "1\u202f300\u202f500\u202f€"
    assert format_euros("en", 1_300_500) == "€1,300,500"
    assert format_number("fr", 18500) == "18\u202f500" and format_number("en", 18500) == "18,500"
    assert format_date("fr", "2005-07-12") == "12 juil. 2005"
    assert format_date("en", "2005-07-12") == "12 Jul 2005"
    assert format_date("en", "2024") == "2024" and format_date("fr", "") == ""


def texts(component) -> list[str]:
    """Every string in a Dash component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in texts(c)]
    children = getattr(component, "children", None)
    return texts(children) if children is not None else []


def test_profile_dates_are_written_for_the_reader(store):
    profile = cluster_profile(store, "aerospace-valley")
    first = profile["labels"][0]["date"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first)  # ISO in the data
    english = " ".join(texts(profile_panel("en", profile, PHASES)))
    french = " ".join(texts(profile_panel("fr", profile, PHASES)))
    assert format_date("en", first) in english and format_date("fr", first) in french
    assert first not in english and first not in french


def test_french_elides_de_before_a_name_with_a_vowel():
    assert t("fr", "merged_from", names="Imaginove") == "Issu de la fusion d'Imaginove"
    assert t("fr", "merged_from", names="Plastipolis, Elastopôle") == "Issu de la fusion de Plastipolis, Elastopôle"
    assert t("en", "merged_from", names="Imaginove") == "Born of the merger of Imaginove"
