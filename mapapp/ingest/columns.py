"""The accepted columns of each import, and the French/English words accepted in them — defined once.

A file header matches an input field when its normalised form (case, accents, spaces and
punctuation ignored: "Code Postal" = "code_postal" = "CODEPOSTAL") equals one of the field's
aliases. To accept a new header, add it to `COLUMN_ALIASES`; to accept a new category or funder
word, add it to `CATEGORY_WORDS` / `FUNDER_WORDS`. The README's import section is this table.
"""

from __future__ import annotations

from mapapp.data.query import normalize_text

# Sourced facts of the directory read as they are written (no vocabulary): seat precision and
# sources, website source, renaming source and the end of a pôle's association.
DIRECTORY_TEXT_FIELDS = (
    "seat_precision",
    "seat_area",
    "seat_stated_as",
    "seat_source",
    "seat_note",
    "website_source",
    "renamed_source",
    "ended_how",
    "ended_source",
    "ended_note",
)
DIRECTORY_DATE_FIELDS = ("seat_as_of", "website_as_of", "ended_date")

# Input field -> accepted headers, best first. When two fields of one import accept the same
# header ("source" is a funder in a funding file without a "financeur" column), the field listed
# first in IMPORT_FIELDS takes the header that is its best alias, and the other takes what is left.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "cluster": (
        "cluster_id",
        "pôle",
        "pole",
        "cluster",
        "pôle de compétitivité",
        "nom du pôle",
        "id pôle",
        "pôle chef de file",
        "lead cluster",
        "competitiveness cluster",
    ),
    "cluster_ids": ("cluster_ids", "pôles", "poles", "clusters", "pôles labellisateurs", "pôles associés"),
    "member_id": ("member_id", "id membre", "identifiant membre", "member id", "identifiant", "id"),
    "project_id": (
        "project_id",
        "id projet",
        "identifiant projet",
        "référence projet",
        "project id",
        "référence",
        "reference",
        "projet",
        "project",
        "code projet",
        "identifiant",
        "id",
    ),
    "cluster_key": ("id", "identifiant", "slug", "cluster_id"),
    "name": (
        "name",
        "nom",
        "raison sociale",
        "dénomination",
        "dénomination sociale",
        "nom du membre",
        "organisation",
        "organisme",
        "structure",
        "entreprise",
        "company",
    ),
    "category": (
        "category",
        "catégorie",
        "type",
        "type de structure",
        "type de membre",
        "typologie",
        "catégorie d'entreprise",
    ),
    "commune_code": (
        "commune_code",
        "code insee",
        "seat_commune_code",
        "code commune du siège",
        "code commune",
        "insee",
        "code_insee",
        "codgeo",
        "code commune insee",
        "code officiel géographique",
        "cog",
        "citycode",
    ),
    "commune": (
        "commune",
        "ville",
        "city",
        "town",
        "nom commune",
        "libellé commune",
        "localité",
        "municipality",
        "seat_commune_name",
        "commune du siège",
        "siège",
        "seat",
    ),
    "postcode": ("code postal", "cp", "postcode", "post code", "postal code", "zip", "zip code", "code_postal"),
    "departement": ("département", "departement", "dept", "dep", "code département", "department", "departement_code"),
    "siren": ("siren", "siret", "n° siren", "n° siret", "numéro siren", "numéro siret", "siren/siret"),
    "since": (
        "since",
        "date d'adhésion",
        "adhésion",
        "année d'adhésion",
        "membre depuis",
        "member since",
        "joined",
        "depuis",
    ),
    "latitude": ("latitude", "lat", "y"),
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "title": (
        "title",
        "titre",
        "intitulé",
        "intitulé du projet",
        "titre du projet",
        "nom du projet",
        "acronyme",
        "objet",
        "libellé",
    ),
    "year": ("year", "année", "annee", "an", "millésime", "année de labellisation", "date", "date de décision"),
    "total_cost": (
        "total_cost_eur",
        "coût total",
        "cout total",
        "budget",
        "total cost",
        "coût",
        "budget total",
        "montant total",
        "assiette",
    ),
    "partners": ("partner_ids", "partenaires", "partners", "membres", "partenaires du projet"),
    "funder": (
        "funder",
        "financeur",
        "financeurs",
        "organisme financeur",
        "funding source",
        "source de financement",
        "guichet",
        "source",
    ),
    "amount": (
        "amount_eur",
        "montant",
        "amount",
        "montant (€)",
        "montant en euros",
        "aide",
        "subvention",
        "montant de l'aide",
        "financement",
    ),
    # The directory's own columns (geodata/clusters.csv), so a file in its format imports as it is.
    **{name: (name,) for name in DIRECTORY_TEXT_FIELDS + DIRECTORY_DATE_FIELDS},
    "former_names": ("former_names", "anciens noms", "ancien nom", "former names", "former name"),
    "aliases": ("aliases", "alias", "sigle", "acronyme", "nom court", "noms courts", "short name", "acronym"),
    "themes": ("themes", "thèmes", "thème", "thématiques", "thématique", "domaine", "filière", "theme"),
    "region_codes": ("region_codes", "régions", "région", "regions", "region", "code région", "régions d'activité"),
    "website": ("website", "site", "site web", "site internet", "url", "web"),
    "merged_into": ("merged_into", "fusionné dans", "absorbé par", "merged into"),
    "merged_date": ("merged_date", "date de fusion", "merger date"),
    "renamed_date": ("renamed_date", "date de renommage", "date du changement de nom", "renaming date"),
    "source": ("source", "provenance", "source des données", "data source"),
    "as_of": ("as_of", "date de mise à jour", "mis à jour le", "à jour au", "date des données", "as of", "updated"),
}

# Fields each import reads, in the order they claim headers; the first tuple must all be present.
IMPORT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "members": (
        ("cluster", "name", "category"),
        (
            "member_id",
            "commune_code",
            "commune",
            "postcode",
            "departement",
            "siren",
            "since",
            "latitude",
            "longitude",
            "source",
            "as_of",
        ),
    ),
    "projects": (
        ("cluster", "title", "year", "total_cost"),
        ("project_id", "cluster_ids", "partners", "source", "as_of"),
    ),
    "funding": (
        ("project_id", "funder", "amount"),
        ("cluster", "year", "source", "as_of"),
    ),
    "clusters": (
        ("name", "themes", "region_codes"),
        (
            "cluster_key",
            "former_names",
            "aliases",
            "commune_code",
            "commune",
            "postcode",
            "departement",
            "latitude",
            "longitude",
            "website",
            "merged_into",
            "merged_date",
            "renamed_date",
            *DIRECTORY_TEXT_FIELDS,
            *DIRECTORY_DATE_FIELDS,
            "source",
            "as_of",
        ),
    ),
}

# Location fields: a file needs one way to place each row, checked by the geocoder, not here.
LOCATION_FIELDS = ("commune_code", "commune", "latitude", "longitude")

# Words accepted in the category column (normalised like headers) -> members.category.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "large": (
        "large",
        "grande entreprise",
        "GE",
        "grand groupe",
        "grand compte",
        "large company",
        "large firm",
        "large enterprise",
        "groupe",
    ),
    "eti": ("eti", "entreprise de taille intermédiaire", "mid-cap", "midcap", "mid-sized company"),
    "sme": (
        "sme",
        "PME",
        "TPE",
        "PMI",
        "TPE/PME",
        "PME/PMI",
        "startup",
        "start-up",
        "jeune entreprise innovante",
        "JEI",
        "micro-entreprise",
        "small business",
    ),
    "research": (
        "research",
        "laboratoire",
        "labo",
        "recherche",
        "organisme de recherche",
        "centre de recherche",
        "research organisation",
        "research organization",
        "laboratory",
        "EPST",
        "EPIC",
    ),
    "training": (
        "training",
        "formation",
        "université",
        "universite",
        "école",
        "ecole",
        "enseignement supérieur",
        "établissement d'enseignement",
        "university",
        "school",
        "higher education",
    ),
    "other": ("other", "autre", "autres", "association", "collectivité", "institution", "public body"),
}

# Words accepted in the funder column -> funding.funder.
FUNDER_WORDS: dict[str, tuple[str, ...]] = {
    "state_fui": ("state_fui", "FUI", "État", "Etat", "state", "FUI-Régions", "PSPC", "DGE", "ministère", "AAP FUI"),
    "region": (
        "region",
        "Région",
        "Conseil régional",
        "Régions",
        "collectivité",
        "collectivités",
        "local authority",
        "Collectivité territoriale",
        "Département",
        "Métropole",
    ),
    "feder": ("feder", "FEDER", "ERDF", "fonds européen de développement régional", "FEDER-FSE"),
    "anr": ("anr", "ANR", "Agence nationale de la recherche"),
    "bpifrance": ("bpifrance", "Bpifrance", "BPI", "BPI France", "OSEO", "Oséo"),
    "pia": ("pia", "PIA", "France 2030", "Investissements d'avenir", "Programme d'investissements d'avenir", "SGPI"),
    "eu": (
        "eu",
        "Europe",
        "Union européenne",
        "UE",
        "EU",
        "Horizon",
        "H2020",
        "Horizon 2020",
        "Horizon Europe",
        "FP7",
        "PCRD",
        "Commission européenne",
        "European Commission",
    ),
}


def match_headers(kind: str, headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Input field -> 1-based column number, and the headers no field took.

    >>> match_headers("members", ["Pôle", "Raison sociale", "Catégorie", "Code INSEE", "Remarque"])
    ({'cluster': 1, 'name': 2, 'category': 3, 'commune_code': 4}, ['Remarque'])
    """
    required, optional = IMPORT_FIELDS[kind]
    normalised = [normalize_text(h) for h in headers]
    taken: dict[str, int] = {}
    for name in (*required, *optional):
        for alias in COLUMN_ALIASES[name]:
            key = normalize_text(alias)
            column = next(
                (i + 1 for i, h in enumerate(normalised) if h == key and h and i + 1 not in taken.values()), None
            )
            if column is not None:
                taken[name] = column
                break
    ignored = [h for i, h in enumerate(headers) if i + 1 not in taken.values()]
    return taken, ignored


def columns_markdown() -> str:
    """The accepted columns of every import as a Markdown table: the README's import section is
    generated from here (`tests/storage/test_import_docs.py` checks they are equal).

    >>> print(columns_markdown().splitlines()[0])
    | table | column | required | accepted headers (case, accents, spaces and punctuation ignored) |
    """
    lines = [
        "| table | column | required | accepted headers (case, accents, spaces and punctuation ignored) |",
        "| --- | --- | --- | --- |",
    ]
    for kind, (required, optional) in IMPORT_FIELDS.items():
        for name in (*required, *optional):
            aliases = ", ".join(f"`{alias}`" for alias in COLUMN_ALIASES[name])
            lines.append(f"| {kind} | {name} | {'yes' if name in required else ''} | {aliases} |")
    return "\n".join(lines)
