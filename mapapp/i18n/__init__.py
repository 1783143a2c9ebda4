"""UI text in French (default) and English, and locale-aware number formatting.

Every visible string comes from `MESSAGES` through `t(lang, key)`; a key missing in one
language is a test failure, not a silent fallback.
"""

from __future__ import annotations

from babel.numbers import format_decimal

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
LOCALES = {"fr": "fr_FR", "en": "en_GB"}

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Carte des pôles de compétitivité",
        "skip": "Aller au contenu",
        "filters": "Filtres",
        "themes": "Thèmes",
        "phase": "Phase",
        "phase_all": "Toutes",
        "region": "Région",
        "region_placeholder": "Toutes les régions",
        "search": "Rechercher un pôle",
        "search_placeholder": "Nom ou ancien nom…",
        "reset": "Réinitialiser",
        "count": "{n} pôles",
        "count_one": "1 pôle",
        "count_zero": "Aucun pôle",
        "empty": "Aucun pôle ne correspond à ces filtres.",
        "map_label": "Carte des sièges des pôles",
        "overseas": "Outre-mer",
        "table": "Tableau des pôles",
        "show_table": "Afficher le tableau",
        "hide_table": "Masquer le tableau",
        "table_loading": "Chargement du tableau…",
        "download": "Télécharger",
        "csv": "CSV",
        "csv_fr": "CSV (;)",
        "geojson": "GeoJSON",
        "sample_badge": "Données d'exemple",
        "sample_note": "Membres, projets et financements sont des données d'exemple générées, pas des chiffres réels.",
        "unplaced": "Sans siège sourcé (non placés sur la carte) : {names}",
        "notice_ignored": "Paramètre ignoré : {message}",
        "close": "Fermer",
        "profile": "Fiche du pôle",
        "former_names": "Anciens noms",
        "seat": "Siège",
        "regions": "Régions d'activité",
        "website": "Site web",
        "labels": "Labels par phase",
        "lineage": "Filiation",
        "merged_into": "Fusionné dans {name} le {date}",
        "merged_into_nodate": "Fusionné dans {name}",
        "merged_from": "Issu de la fusion de {names}",
        "members": "Membres",
        "projects": "Projets",
        "funding": "Financements",
        "members_by_category": "Membres par catégorie",
        "members_search": "Filtrer les membres",
        "members_more": "… et {n} autres",
        "funding_by_source": "Par financeur",
        "funding_by_year": "Par année",
        "total": "Total",
        "source": "Source",
        "as_of": "au {date}",
        "no_seat": "non sourcé",
        "status_labelled": "labellisé",
        "status_one_year": "label d'un an",
        "status_two_year": "label de deux ans",
        "status_probation": "sous surveillance",
        "status_delabelled": "délabellisé",
        "status_merged": "fusionné",
        "cat_large": "Grandes entreprises",
        "cat_eti": "ETI",
        "cat_sme": "PME",
        "cat_research": "Recherche",
        "cat_training": "Formation",
        "cat_other": "Autres",
        "funder_state_fui": "État (FUI / PSPC)",
        "funder_region": "Régions et collectivités",
        "funder_feder": "FEDER (UE)",
        "funder_anr": "ANR",
        "funder_bpifrance": "Bpifrance",
        "funder_pia": "PIA / France 2030",
        "funder_eu": "Programmes UE (Horizon)",
        "col_name": "Pôle",
        "col_themes": "Thèmes",
        "col_regions": "Régions",
        "col_phases": "Phases",
        "col_members": "Membres",
        "col_projects": "Projets",
        "col_funding": "Financement (€)",
        "col_year": "Année",
        "col_title": "Projet",
        "col_partners": "Partenaires",
        "col_total_cost": "Coût total",
        "col_public": "Aide publique",
        "col_category": "Catégorie",
        "col_commune": "Commune",
        "lang_switch": "English",
        "lang_switch_label": "Switch to English",
        "phase_published": "{n} pôles labellisés",
        "all_phases_note": (
            "Cinq phases depuis 2005 : choisissez-en une pour voir ses dates, son objectif et ses chiffres."
        ),
    },
    "en": {
        "title": "Map of France's competitiveness clusters",
        "skip": "Skip to content",
        "filters": "Filters",
        "themes": "Themes",
        "phase": "Phase",
        "phase_all": "All",
        "region": "Region",
        "region_placeholder": "All regions",
        "search": "Search a pôle",
        "search_placeholder": "Name or former name…",
        "reset": "Reset",
        "count": "{n} pôles",
        "count_one": "1 pôle",
        "count_zero": "No pôle",
        "empty": "No pôle matches these filters.",
        "map_label": "Map of the pôles' seats",
        "overseas": "Overseas",
        "table": "Table of pôles",
        "show_table": "Show the table",
        "hide_table": "Hide the table",
        "table_loading": "Loading the table…",
        "download": "Download",
        "csv": "CSV",
        "csv_fr": "CSV (;)",
        "geojson": "GeoJSON",
        "sample_badge": "Sample data",
        "sample_note": "Members, projects and funding are generated sample data, not real figures.",
        "unplaced": "No sourced seat (not placed on the map): {names}",
        "notice_ignored": "Parameter ignored: {message}",
        "close": "Close",
        "profile": "Pôle profile",
        "former_names": "Former names",
        "seat": "Seat",
        "regions": "Regions of activity",
        "website": "Website",
        "labels": "Labels per phase",
        "lineage": "Lineage",
        "merged_into": "Merged into {name} on {date}",
        "merged_into_nodate": "Merged into {name}",
        "merged_from": "Born of the merger of {names}",
        "members": "Members",
        "projects": "Projects",
        "funding": "Funding",
        "members_by_category": "Members by category",
        "members_search": "Filter members",
        "members_more": "… and {n} more",
        "funding_by_source": "By funder",
        "funding_by_year": "By year",
        "total": "Total",
        "source": "Source",
        "as_of": "as of {date}",
        "no_seat": "not sourced",
        "status_labelled": "labelled",
        "status_one_year": "one-year label",
        "status_two_year": "two-year label",
        "status_probation": "on probation",
        "status_delabelled": "delabelled",
        "status_merged": "merged",
        "cat_large": "Large firms",
        "cat_eti": "Mid-caps",
        "cat_sme": "SMEs",
        "cat_research": "Research",
        "cat_training": "Training",
        "cat_other": "Other",
        "funder_state_fui": "State (FUI / PSPC)",
        "funder_region": "Regions and local authorities",
        "funder_feder": "ERDF (EU)",
        "funder_anr": "ANR",
        "funder_bpifrance": "Bpifrance",
        "funder_pia": "PIA / France 2030",
        "funder_eu": "EU programmes (Horizon)",
        "col_name": "Pôle",
        "col_themes": "Themes",
        "col_regions": "Regions",
        "col_phases": "Phases",
        "col_members": "Members",
        "col_projects": "Projects",
        "col_funding": "Funding (€)",
        "col_year": "Year",
        "col_title": "Project",
        "col_partners": "Partners",
        "col_total_cost": "Total cost",
        "col_public": "Public funding",
        "col_category": "Category",
        "col_commune": "Commune",
        "lang_switch": "Français",
        "lang_switch_label": "Passer en français",
        "phase_published": "{n} pôles labelled",
        "all_phases_note": "Five phases since 2005: pick one to see its dates, aim and figures.",
    },
}


def t(lang: str, key: str, **values) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled: `t("en", "count", n=3)`."""
    text = MESSAGES[lang if lang in MESSAGES else DEFAULT_LANG][key]
    return text.format(**values) if values else text


def count_text(lang: str, n: int) -> str:
    if n == 0:
        return t(lang, "count_zero")
    if n == 1:
        return t(lang, "count_one")
    return t(lang, "count", n=format_number(lang, n))


def format_number(lang: str, value: float, digits: int = 0) -> str:
    """1234.5 -> "1 234,5" (fr) / "1,234.5" (en)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES.get(lang, "fr_FR"))


def format_eur(lang: str, value: float) -> str:
    """Money in M€ with one decimal: "1 234,5 M€" (fr) / "€1,234.5M" (en)."""
    millions = format_number(lang, value / 1e6, digits=1)
    return f"€{millions}M" if lang == "en" else f"{millions}\u202fM€"
