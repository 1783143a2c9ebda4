"""UI text in French (default) and English, and locale-aware number formatting.

Every visible string comes from `MESSAGES` through `t(lang, key)`; a key missing in one
language is a test failure, not a silent fallback.
"""

from __future__ import annotations

import re

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
DATA_LANG = "fr"  # the language of the data (names, titles): marked as such on English pages
LOCALES = {"fr": "fr_FR", "en": "en_GB"}

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Carte des pôles de compétitivité",
        "coverage": "Colorer les régions",
        "mode_none": "Aucune couleur",
        "mode_clusters_seated": "Pôles sièges",
        "mode_clusters_active": "Pôles actifs",
        "mode_members": "Membres",
        "mode_projects": "Projets",
        "mode_funding_eur": "Financements",
        "mode_members_published": "Adhérents publiés",
        "unit_members_published": "adhérents publiés",
        "members_published_note": (
            "Chiffres réels publiés par les pôles (le plus récent de chacun), comptés dans la région de leur siège."
        ),
        "members_published_missing": "{n} pôles sans chiffre publié",
        "members_published_missing_one": "1 pôle sans chiffre publié",
        "published_figures": "Chiffres publiés par le pôle",
        "published_figures_note": "Chiffres réels, tels que publiés, avec leur date et leur source.",
        "published_figures_none": "Aucun chiffre publié trouvé pour ce pôle.",
        "figure_source": "source",
        "period_cumulative": "depuis la création",
        "period_year": "en {period}",
        "period_range": "sur {period}",
        "measure_members": "Adhérents",
        "measure_members_sme": "dont PME",
        "measure_members_eti": "dont ETI",
        "measure_members_sme_eti": "dont PME et ETI",
        "measure_members_large_firms": "dont grands groupes",
        "measure_members_research_training": "dont recherche et formation",
        "measure_projects_labelled": "Projets labellisés",
        "measure_projects_funded": "Projets financés",
        "measure_projects_rd_budget_eur": "Budget R&D des projets",
        "measure_public_funding_eur": "Financements publics obtenus",
        "seat_region": "siège non sourcé — placé dans sa région",
        "seat_area": "{area} (placé à {commune})",
        "seat_source": "source du siège",
        "aliases": "Aussi appelé",
        "ended_dissolved": "Association dissoute le {date}",
        "ended_liquidated": "Liquidation judiciaire ouverte le {date}",
        "ended_stopped": "Activité arrêtée (au plus tard le {date})",
        "renamed": "Nouveau nom depuis le {date}",
        "renamed_nodate": "Nouveau nom",
        "website_source": "source",
        "col_members_published": "Adhérents publiés",
        "col_projects_published": "Projets publiés",
        "col_funding_published": "Financements publiés (€)",
        "col_seat": "Siège",
        "per_100k": "Pour 100 000 habitants",
        "per_100k_short": "pour 100 000 hab.",
        "absolute": "Valeurs absolues",
        "unit_clusters_seated": "pôles sièges",
        "unit_clusters_active": "pôles actifs",
        "unit_members": "membres",
        "unit_projects": "projets",
        "unit_funding_eur": "de financements",
        "population": "Population",
        "measure": "Mesure",
        "value": "Valeur",
        "rank": "Rang",
        "clusters_seated": "Pôles dont le siège est dans la région",
        "clusters_active": "Pôles actifs dans la région",
        "themes_missing": "Thèmes sans pôle actif dans la région (tous les pôles {phase})",
        "of_phase": "de la phase {phase}",
        "of_all_phases": "de toutes les phases",
        "n_of_total": "sélection : {n} sur {total}",
        "selection_note": (
            "Chiffres, rangs et listes : pôles sélectionnés ({selection}). Nombres de pôles entre parenthèses et "
            "thèmes manquants : tous les pôles {phase}."
        ),
        "search_for": "recherche « {q} »",
        "download_csv": "Télécharger (CSV)",
        "sample_source": "Données d'exemple générées",
        "themes_all_present": "Tous les thèmes sont représentés.",
        "compare_title": "Comparaison des régions",
        "download_regions": "Régions (CSV)",
        "layer_2015": "Régions de l'époque (avant 2016)",
        "open_full_map": "Ouvrir la carte complète",
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
        "map_image_alt": "Carte des pôles de compétitivité : {what}",
        "download_image": "Télécharger l'image",
        "download_image_label": "L'image de cette carte (SVG), pour un rapport ou une présentation",
        "zoom_in": "Zoomer",
        "zoom_out": "Dézoomer",
        "overseas": "Outre-mer",
        "table": "Tableau des pôles",
        "show_table": "Afficher le tableau",
        "hide_table": "Masquer le tableau",
        "download": "Télécharger",
        "csv": "CSV",
        "csv_fr": "CSV (;)",
        "geojson": "GeoJSON",
        "sample_badge": "Données d'exemple",
        "sample_note": "Membres, projets et financements sont des données d'exemple générées, pas des chiffres réels.",
        "seat_region_key": (
            "Cercle en pointillés : siège non sourcé, pôle placé dans sa région. Les chiffres publiés des "
            "fiches sont réels et sourcés ; membres, projets et financements détaillés sont des données d'exemple."
        ),
        "notice_ignored": "Valeur ignorée dans l'adresse : {param} = « {value} »",
        "notice_one_phase": "La carte montre une phase à la fois : phase {value} retenue.",
        "notice_bad_view": (
            "Vue de carte ignorée ({value}) : latitude de -90 à 90, longitude de -180 à 180 et zoom de 2 à 18 attendus."
        ),
        "dropdown_select_all": "Tout sélectionner",
        "dropdown_deselect_all": "Tout désélectionner",
        "dropdown_selected_count": "{num_selected} sélectionnées",
        "dropdown_search": "Rechercher",
        "dropdown_clear_search": "Effacer la recherche",
        "dropdown_clear_selection": "Effacer la sélection",
        "dropdown_no_options_found": "Aucun résultat",
        "colon": " : ",
        "label_value": "{label} : {value}",
        "embed": "Intégrer",
        "embed_label": "Intégrer cette carte dans un autre site",
        "embed_heading": "Intégrer la carte",
        "embed_intro": (
            "Copiez ce code dans votre page : la carte s'affiche avec la vue actuelle (filtres, pôle "
            "ouvert, couleurs) et sa hauteur s'ajuste à son contenu."
        ),
        "embed_iframe_title": "Titre de la carte (lu par les lecteurs d'écran)",
        "embed_width": "Largeur en pixels (vide : toute la largeur)",
        "embed_height": "Hauteur initiale en pixels",
        "embed_lang": "Langue",
        "embed_hide_filters": "Masquer le panneau de filtres (la carte reste filtrée)",
        "embed_code": "Code à coller",
        "embed_copy": "Copier le code",
        "embed_copied": "Code copié.",
        "embed_copy_failed": "Copie impossible : sélectionnez le code et copiez-le.",
        "embed_preview": "Aperçu",
        "embed_allowlist": (
            "Le site qui intègre la carte doit être autorisé par l'exploitant de la carte (variable "
            "MAPAPP_FRAME_ANCESTORS)."
        ),
        "lang_fr": "Français",
        "lang_en": "Anglais",
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
        "funder_fse": "FSE (UE)",
        "funding_by_programme": "Par programme",
        "cordis_projects": "Projets européens (CORDIS)",
        "kohesio_projects": "FEDER (Kohesio)",
        "open_data_note": "Données ouvertes : l'association du pôle est partenaire ou bénéficiaire.",
        "col_project": "Projet",
        "col_programme": "Programme",
        "col_role": "Rôle",
        "col_eu_to_cluster": "Contribution UE au pôle",
        "col_eu_total": "Contribution UE au consortium",
        "col_partners_country": "Partenaires (pays)",
        "col_fund": "Fonds",
        "col_eligible": "Dépense éligible",
        "col_eu_budget": "Budget UE",
        "col_rate": "Taux UE",
        "col_nuts": "Région (NUTS)",
        "public_page": "Fiche du projet",
        "role_coordinator": "coordinateur",
        "role_participant": "participant",
        "role_partner": "partenaire",
        "role_thirdParty": "tiers lié",
        "role_associatedPartner": "partenaire associé",
        "role_beneficiary": "bénéficiaire",
        "identifiers": "Identifiants",
        "vat": "N° TVA",
        "registered_office": "Siège social (SIRENE)",
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
        "lang_switch": "English",
        "lang_switch_label": "Switch to English",
        "phase_published": "{n} pôles labellisés",
        "all_phases_note": (
            "{n} phases depuis 2005 : choisissez-en une pour voir ses dates, son objectif et ses chiffres."
        ),
    },
    "en": {
        "title": "Map of France's competitiveness clusters",
        "coverage": "Colour the regions",
        "mode_none": "No colour",
        "mode_clusters_seated": "Pôles seated",
        "mode_clusters_active": "Active pôles",
        "mode_members": "Members",
        "mode_projects": "Projects",
        "mode_funding_eur": "Funding",
        "mode_members_published": "Published members",
        "unit_members_published": "published members",
        "members_published_note": (
            "Real figures published by the pôles (the latest of each), counted in the region of their seat."
        ),
        "members_published_missing": "{n} pôles without a published figure",
        "members_published_missing_one": "1 pôle without a published figure",
        "published_figures": "Figures published by the pôle",
        "published_figures_note": "Real figures, as published, with their date and source.",
        "published_figures_none": "No published figure found for this pôle.",
        "figure_source": "source",
        "period_cumulative": "since its creation",
        "period_year": "in {period}",
        "period_range": "over {period}",
        "measure_members": "Members",
        "measure_members_sme": "of which SMEs",
        "measure_members_eti": "of which mid-caps (ETI)",
        "measure_members_sme_eti": "of which SMEs and mid-caps",
        "measure_members_large_firms": "of which large firms",
        "measure_members_research_training": "of which research and training",
        "measure_projects_labelled": "Projects labelled",
        "measure_projects_funded": "Projects funded",
        "measure_projects_rd_budget_eur": "R&D budget of the projects",
        "measure_public_funding_eur": "Public funding obtained",
        "seat_region": "seat not sourced — placed in its region",
        "seat_area": "{area} (placed at {commune})",
        "seat_source": "source of the seat",
        "aliases": "Also known as",
        "ended_dissolved": "Association dissolved on {date}",
        "ended_liquidated": "Compulsory liquidation opened on {date}",
        "ended_stopped": "Activity stopped (by {date} at the latest)",
        "renamed": "New name since {date}",
        "renamed_nodate": "New name",
        "website_source": "source",
        "col_members_published": "Published members",
        "col_projects_published": "Published projects",
        "col_funding_published": "Published funding (€)",
        "col_seat": "Seat",
        "per_100k": "Per 100,000 inhabitants",
        "per_100k_short": "per 100,000 inh.",
        "absolute": "Absolute values",
        "unit_clusters_seated": "pôles seated",
        "unit_clusters_active": "active pôles",
        "unit_members": "members",
        "unit_projects": "projects",
        "unit_funding_eur": "of funding",
        "population": "Population",
        "measure": "Measure",
        "value": "Value",
        "rank": "Rank",
        "clusters_seated": "Pôles seated in the region",
        "clusters_active": "Pôles active in the region",
        "themes_missing": "Themes with no active pôle in the region (every pôle {phase})",
        "of_phase": "of phase {phase}",
        "of_all_phases": "of every phase",
        "n_of_total": "selected: {n} of {total}",
        "selection_note": (
            "Figures, ranks and lists: the selected pôles ({selection}). Numbers of pôles in brackets and missing "
            "themes: every pôle {phase}."
        ),
        "search_for": "search “{q}”",
        "download_csv": "Download (CSV)",
        "sample_source": "Generated sample data",
        "themes_all_present": "Every theme is present.",
        "compare_title": "Regions compared",
        "download_regions": "Regions (CSV)",
        "layer_2015": "Regions of the time (before 2016)",
        "open_full_map": "Open the full map",
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
        "map_image_alt": "Map of the pôles de compétitivité: {what}",
        "download_image": "Download the image",
        "download_image_label": "The picture of this map (SVG), for a report or a presentation",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "overseas": "Overseas",
        "table": "Table of pôles",
        "show_table": "Show the table",
        "hide_table": "Hide the table",
        "download": "Download",
        "csv": "CSV",
        "csv_fr": "CSV (;)",
        "geojson": "GeoJSON",
        "sample_badge": "Sample data",
        "sample_note": "Members, projects and funding are generated sample data, not real figures.",
        "seat_region_key": (
            "Dashed ring: seat not sourced, pôle placed in its region. Published figures in the profiles are real "
            "and sourced; detailed members, projects and funding are sample data."
        ),
        "notice_ignored": "Ignored value in the address: {param} = “{value}”",
        "notice_one_phase": "The map shows one phase at a time: phase {value} kept.",
        "notice_bad_view": (
            "Map view ignored ({value}): expected latitude -90 to 90, longitude -180 to 180 and zoom 2 to 18."
        ),
        "dropdown_select_all": "Select all",
        "dropdown_deselect_all": "Deselect all",
        "dropdown_selected_count": "{num_selected} selected",
        "dropdown_search": "Search",
        "dropdown_clear_search": "Clear search",
        "dropdown_clear_selection": "Clear selection",
        "dropdown_no_options_found": "No match",
        "colon": ": ",
        "label_value": "{label}: {value}",
        "embed": "Embed",
        "embed_label": "Embed this map in another site",
        "embed_heading": "Embed the map",
        "embed_intro": (
            "Paste this code into your page: the map shows the current view (filters, opened pôle, "
            "colours) and its height follows its content."
        ),
        "embed_iframe_title": "Title of the map (read by screen readers)",
        "embed_width": "Width in pixels (empty: full width)",
        "embed_height": "Initial height in pixels",
        "embed_lang": "Language",
        "embed_hide_filters": "Hide the filter panel (the map stays filtered)",
        "embed_code": "Code to paste",
        "embed_copy": "Copy the code",
        "embed_copied": "Code copied.",
        "embed_copy_failed": "Could not copy: select the code and copy it.",
        "embed_preview": "Preview",
        "embed_allowlist": (
            "The site embedding the map must be allowed by the map's operator (MAPAPP_FRAME_ANCESTORS variable)."
        ),
        "lang_fr": "French",
        "lang_en": "English",
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
        "funder_fse": "ESF (EU)",
        "funding_by_programme": "By programme",
        "cordis_projects": "European projects (CORDIS)",
        "kohesio_projects": "ERDF (Kohesio)",
        "open_data_note": "Open data: the pôle's association is a partner or beneficiary.",
        "col_project": "Project",
        "col_programme": "Programme",
        "col_role": "Role",
        "col_eu_to_cluster": "EU contribution to the pôle",
        "col_eu_total": "EU contribution to the consortium",
        "col_partners_country": "Partners (country)",
        "col_fund": "Fund",
        "col_eligible": "Eligible expenditure",
        "col_eu_budget": "EU budget",
        "col_rate": "EU rate",
        "col_nuts": "Region (NUTS)",
        "public_page": "Project page",
        "role_coordinator": "coordinator",
        "role_participant": "participant",
        "role_partner": "partner",
        "role_thirdParty": "linked third party",
        "role_associatedPartner": "associated partner",
        "role_beneficiary": "beneficiary",
        "identifiers": "Identifiers",
        "vat": "VAT number",
        "registered_office": "Registered office (SIRENE)",
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
        "lang_switch": "Français",
        "lang_switch_label": "Passer en français",
        "phase_published": "{n} pôles labelled",
        "all_phases_note": "{n} phases since 2005: pick one to see its dates, aim and figures.",
    },
}


# French elides "de" before a vowel: "la fusion d'Imaginove", not "de Imaginove". Only before a
# value filled in (a name), never an h (aspirated or not, it cannot be told from the letter).
_FRENCH_ELISION = re.compile(r"\b([Dd])e (\{[a-z_]+\})")
_VOWELS = "aeiouyàâäéèêëîïôöùûüAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜ"


def t(lang: str, key: str, **values) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled: `t("en", "count", n=3)`."""
    text = MESSAGES[lang if lang in MESSAGES else DEFAULT_LANG][key]
    if not values:
        return text
    if lang == "fr":

        def elide(match: re.Match) -> str:
            value = str(values.get(match.group(2)[1:-1], ""))
            return f"{match.group(1)}'{match.group(2)}" if value[:1] in _VOWELS and value else match.group(0)

        text = _FRENCH_ELISION.sub(elide, text)
    return text.format(**values)


def format_number(lang: str, value: float, digits: int = 0) -> str:
    """1234.5 -> "1 234,5" (fr) / "1,234.5" (en)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES.get(lang, "fr_FR"))


def format_eur(lang: str, value: float) -> str:
    """Money in M€ with one decimal: "1 234,5 M€" (fr) / "€1,234.5M" (en)."""
    millions = format_number(lang, value / 1e6, digits=1)
    return f"€{millions}M" if lang == "en" else f"{millions}\u202fM€"


def format_euros(lang: str, value: float) -> str:
    """Money in whole euros: "1 300 500 €" (fr) / "€1,300,500" (en)."""
    amount = format_number(lang, value)
    return f"€{amount}" if lang == "en" else f"{amount}\u202f€"


def format_date(lang: str, iso: str | None) -> str:
    """An ISO date of the data for readers: "2005-07-12" -> "12 juil. 2005" (fr) / "12 Jul 2005"
    (en); a year-month ("2024-06") or year alone is shown as it is, and so is anything unparsable."""
    from datetime import date

    if not iso:
        return ""
    try:
        day = date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return babel_format_date(day, format="medium", locale=LOCALES.get(lang, "fr_FR"))
