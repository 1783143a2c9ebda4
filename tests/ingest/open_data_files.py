"""Open-data files in their published shapes (`shared/docs/OPEN_DATA.md`), written by the tests.

- CORDIS: `project.csv` and `organization.csv` with the published headers in the published
  order, `;`-separated, every cell quoted, decimal commas, `\\n` line ends, in a folder or in a
  zip as the CORDIS data page publishes them (`cordis-h2020projects-csv.zip`);
- Kohesio: the France CSV, UTF-8 with BOM, `,`, CRLF (the 33 verified columns, then the 8 the
  current export adds, in the order OPEN_DATA.md lists them);
- SIRENE: `StockEtablissement`, `,`, UTF-8, its header with the trailing spaces of the two
  Lambert columns.

`fixture_geodata` is the shipped geodata with the identifiers and aliases these files need: made
up for the tests (source "test fixture"), valid SIREN/SIRET keys, never real ones.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

from ingest_files import luhn_siren, luhn_siret

from mapapp.config import DEFAULT_GEODATA_DIR

ORGANIZATION_LINE = (
    "projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;activityType;street;postCode;city;"
    "country;nutsCode;geolocation;organizationURL;contactForm;contentUpdateDate;rcn;order;role;ecContribution;"
    "netEcContribution;totalCost;endOfParticipation;active"
)  # as published
ORGANIZATION_HEADER = ORGANIZATION_LINE.split(";")
PROJECT_LINE = (
    "id;acronym;status;title;startDate;endDate;totalCost;ecMaxContribution;topics;ecSignatureDate;"
    "frameworkProgramme;masterCall;subCall;fundingScheme;nature;objective;contentUpdateDate;rcn;grantDoi;"
    "keywords;Human-validated;legalBasis"
)  # as published
PROJECT_HEADER = PROJECT_LINE.split(";")
KOHESIO_LINE = (
    "Operation_Unique_Identifier,Operation_Local_Identifier,Operation_Name_English,"
    "Operation_Name_Programme_Language,Country,Postal_Code,Operation_Start_Date,Operation_End_Date,"
    "Cofinancing_Rate,Total_Eligible_Expenditure_amount,Total_Eligible_Expenditure_Currency,Project_EU_Budget,"
    "Beneficiary_Unique_Identifier,Location_Indicator_latitude_longitude,Category_Of_Intervention,Category_Label,"
    "Thematic_Objective_ID,Thematic_Objective_Label,Policy_Objective_ID,Policy_Objective_Label,Fund_Code,"
    "Fund_Name,Programme_Code,Programme_Name,Region,NUTS3_Code,Programming_Period,Operation_Summary_English,"
    "Operation_Summary_Programme_Language,ManagingAuthority,Image_URL,InfoRegio_ID,InfoRegio_URL,"
    "Beneficiary_Name,Beneficiary_Local_Identifier,NUTS1_Code,NUTS1_Label,NUTS2_Code,NUTS2_Label,NUTS3_Label,"
    "LAU_Labels"
)  # as published
KOHESIO_HEADER = KOHESIO_LINE.split(",")
SIRENE_LINE = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,"
    "dateDernierTraitementEtablissement,etablissementSiege,nombrePeriodesEtablissement,"
    "complementAdresseEtablissement,numeroVoieEtablissement,indiceRepetitionEtablissement,"
    "dernierNumeroVoieEtablissement,indiceRepetitionDernierNumeroVoieEtablissement,typeVoieEtablissement,"
    "libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,"
    "libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,codeCommuneEtablissement,"
    "codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,"
    "libellePaysEtrangerEtablissement,identifiantAdresseEtablissement,coordonneeLambertAbscisseEtablissement ,"
    "coordonneeLambertOrdonneeEtablissement ,complementAdresse2Etablissement,numeroVoie2Etablissement,"
    "indiceRepetition2Etablissement,typeVoie2Etablissement,libelleVoie2Etablissement,codePostal2Etablissement,"
    "libelleCommune2Etablissement,libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,"
    "codeCommune2Etablissement,codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,"
    "activitePrincipaleEtablissement,nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement,"
    "activitePrincipaleNAF25Etablissement"
)  # as published
SIRENE_HEADER = SIRENE_LINE.split(",")

# Made-up identifiers of the test pôles (valid keys).
AEROSPACE_SIREN = luhn_siren("81234567")
VESTAPOLIS_SIREN = luhn_siren("49876543")
MINALOGIC_SIREN = luhn_siren("44455566")
MINALOGIC_PIC = "999887776"
WATER_ALIAS = "Water Cluster France"  # an alias given to two pôles: an ambiguous name


def french_vat(siren: str) -> str:
    """FR + key + SIREN, the key computed as the DGFiP publishes it (not with the code under test)."""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def fixture_geodata(target: Path) -> Path:
    """The shipped geodata plus test identifiers (a SIREN for Aerospace Valley, Advancity and
    Minalogic, a PIC for Minalogic) and the alias `WATER_ALIAS` on Aqua-Valley and DREAM."""
    shutil.copytree(DEFAULT_GEODATA_DIR, target)
    with (target / "cluster_identifiers.csv").open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for cluster_id, scheme, value in (
            ("aerospace-valley", "siren", AEROSPACE_SIREN),
            ("vestapolis", "siren", VESTAPOLIS_SIREN),
            ("minalogic", "siren", MINALOGIC_SIREN),
            ("minalogic", "pic", MINALOGIC_PIC),
        ):
            writer.writerow([cluster_id, scheme, value, "test fixture", "2024-01-01", "", "", "", "", "", ""])
    path = target / "clusters.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        header = list(rows[0])
    for row in rows:
        if row["id"] in ("aqua-valley", "dream-eau-et-milieux"):
            row["aliases"] = "|".join(a for a in (row["aliases"], WATER_ALIAS) if a)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return target


def _quoted(cells: list[str]) -> str:
    return ";".join('"' + str(c).replace('"', '""') + '"' for c in cells)


def organisation(project: str, name: str, country: str, role: str, ec: str, pic: str = "", vat: str = "", order=1):
    values = dict.fromkeys(ORGANIZATION_HEADER, "")
    values.update(
        projectID=project,
        projectAcronym="",
        organisationID=pic,
        vatNumber=vat,
        name=name,
        activityType="OTH",
        street="1 rue du Test",
        postCode="31000",
        city="Ville",
        country=country,
        contentUpdateDate="2024-03-01 10:00:00",
        order=str(order),
        role=role,
        ecContribution=ec,
        netEcContribution=ec,
        totalCost=ec,
        active="true",
    )
    return [values[h] for h in ORGANIZATION_HEADER]


def project(pid, acronym, title, start, end, total, ceiling, signed, programme="H2020", updated="2024-02-15"):
    values = dict.fromkeys(PROJECT_HEADER, "")
    values.update(
        id=pid,
        acronym=acronym,
        status="CLOSED",
        title=title,
        startDate=start,
        endDate=end,
        totalCost=total,
        ecMaxContribution=ceiling,
        ecSignatureDate=signed,
        frameworkProgramme=programme,
        fundingScheme="RIA",
        objective="Objectif du projet.",
        contentUpdateDate=f"{updated} 09:30:00",
        legalBasis=programme,
    )
    return [values[h] for h in PROJECT_HEADER]


AEROSPACE_VAT = french_vat(AEROSPACE_SIREN)
CORDIS_PROJECTS = [
    project(
        "950001", "SKYWAYS", "Skyways for drones", "2016-05-01", "2019-04-30", "2500000,5", "2000000", "2016-03-10"
    ),
    project("950002", "NANOFAB", "Nano fabrication", "2018-01-01", "2021-12-31", "4000000", "3500000,75", "2017-11-20"),
    project("950003", "WATERS", "Water reuse", "2019-01-01", "2022-06-30", "900000", "800000", "2018-10-02"),
    project("950004", "LATEPOLY", "Polymers late", "2021-03-01", "2024-02-28", "1000000", "900000", "2021-01-15"),
    project("950005", "CONTRA", "Contradiction", "2017-02-01", "2019-01-31", "700000", "600000", "2016-12-01"),
    project("950006", "ABROAD", "Only abroad", "2016-01-01", "2017-12-31", "100000", "100000", "2015-11-01"),
]
# (row, how the test expects it): organisation rows in file order.
CORDIS_ORGANISATIONS = [
    organisation("950001", "FLUGZEUG GMBH", "DE", "coordinator", "1500000", pic="900000001", order=1),
    organisation(
        "950001", "ASSOCIATION AEROSPACE VALLEY", "FR", "participant", "150000,25", vat=AEROSPACE_VAT, order=2
    ),
    organisation("950001", "AERO PME SAS", "FR", "participant", "349999,75", pic="900000002", order=3),
    organisation("950002", "MINALOGIC PARTENARIAT", "FR", "coordinator", "300000", pic=MINALOGIC_PIC, order=1),
    organisation("950002", "ASSOCIATION CAP DIGITAL", "FR", "participant", "50000,5", pic="900000003", order=2),
    organisation("950002", "UNIVERSITA DI TORINO", "IT", "participant", "3150000,25", pic="900000004", order=3),
    organisation("950003", WATER_ALIAS.upper(), "FR", "participant", "80000", pic="900000005", order=1),
    organisation("950003", "SCS", "FR", "participant", "20000", pic="900000006", order=2),
    organisation("950004", "ELASTOPOLE", "FR", "coordinator", "90000", pic="900000007", order=1),
    organisation("950005", "VALORIAL", "FR", "participant", "60000", vat=AEROSPACE_VAT, order=1),
    organisation("950006", "ACME LTD", "UK", "coordinator", "100000", pic="900000008", order=1),
]


def write_cordis(folder: Path, broken_line: bool = True) -> Path:
    """`project.csv` and `organization.csv` as published, in `folder`. The Turin row (line 7) is
    cut in two by a line break outside quotes; a project title holds a quoted line break."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [_quoted(PROJECT_HEADER)]
    for row in CORDIS_PROJECTS:
        if row[0] == "950003":
            row = list(row)
            row[PROJECT_HEADER.index("title")] = "Water reuse\nin the Mediterranean"
        lines.append(_quoted(row))
    (folder / "project.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = [_quoted(ORGANIZATION_HEADER)]
    for row in CORDIS_ORGANISATIONS:
        text = _quoted(row)
        if broken_line and row[4] == "UNIVERSITA DI TORINO":
            cut = text.index(';"10000";') if ';"10000";' in text else text.index(';"31000";')
            text = text[:cut] + "\n" + text[cut:]
        lines.append(text)
    (folder / "organization.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def zip_cordis(folder: Path, target: Path) -> Path:
    """The folder's files in a zip, as `cordis-h2020projects-csv.zip` holds them."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("project.csv", "organization.csv"):
            archive.write(folder / name, name)
    return target


def kohesio_row(op: str, beneficiary: str, fund: str, start: str, end: str, total: str, eu: str, rate: str, local=""):
    values = dict.fromkeys(KOHESIO_HEADER, "")
    values.update(
        Operation_Unique_Identifier=op,
        Operation_Local_Identifier=f"LOC-{op}",
        Operation_Name_English=f"Operation {op}",
        Operation_Name_Programme_Language=f"Opération {op}, « animation »",
        Country="FR",
        Postal_Code="35000",
        Operation_Start_Date=start,
        Operation_End_Date=end,
        Cofinancing_Rate=rate,
        Total_Eligible_Expenditure_amount=total,
        Total_Eligible_Expenditure_Currency="EUR",
        Project_EU_Budget=eu,
        Fund_Code=fund,
        Fund_Name={"ERDF": "European Regional Development Fund", "ESF": "European Social Fund"}.get(fund, fund),
        Programme_Code="2014FR16M2OP002",
        Programme_Name="Bretagne - Programme opérationnel FEDER/FSE 2014-2020",
        Region="Bretagne",
        NUTS3_Code="FRH03",
        Programming_Period="2014-2020",
        Operation_Summary_Programme_Language="Résumé, sur\nplusieurs lignes",
        InfoRegio_URL="",
        Beneficiary_Name=beneficiary,
        Beneficiary_Local_Identifier=local,
        NUTS1_Code="FRH",
        NUTS1_Label="Ouest",
        NUTS2_Code="FRH0",
        NUTS2_Label="Bretagne",
        NUTS3_Label="Ille-et-Vilaine",
    )
    return [values[h] for h in KOHESIO_HEADER]


KOHESIO_ROWS = [
    kohesio_row(
        "Q1001", "POLE DE COMPETITIVITE VALORIAL", "ERDF", "2016-01-01", "2018-12-31", "400000.00", "200000.00", "50.00"
    ),
    kohesio_row(
        "Q1002",
        "AEROSPACE VALLEY ASSOCIATION",
        "ERDF",
        "2017-04-01",
        "2019-03-31",
        "120000.50",
        "60000.25",
        "50",
        local=luhn_siret(AEROSPACE_SIREN, "0001"),
    ),
    kohesio_row("Q1003", "EMC2", "ERDF", "2016-01-01", "2017-12-31", "50000", "25000", "50"),
    kohesio_row("Q1004", "Valorial", "ESF", "2018-01-01", "2018-12-31", "30000", "15000", "50"),
    kohesio_row("Q1005", "SARL BOULANGERIE DU PORT", "ERDF", "2016-01-01", "2016-12-31", "10000", "5000", "50"),
]


def write_kohesio(path: Path, rows: list[list[str]] | None = None) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(KOHESIO_HEADER)
        writer.writerows(KOHESIO_ROWS if rows is None else rows)
    return path


def sirene_row(siren: str, nic: str, siege: bool, commune: str, x: str, y: str, state: str = "A", **more) -> list[str]:
    values = dict.fromkeys([h.strip() for h in SIRENE_HEADER], "")
    siret = luhn_siret(siren, nic)  # the NIC's last digit is the Luhn key of the 14
    values.update(
        siren=siren,
        nic=siret[9:],
        siret=siret,
        statutDiffusionEtablissement="O",
        dateCreationEtablissement="2006-01-01",
        dateDernierTraitementEtablissement="2025-01-15T10:20:30",
        etablissementSiege="true" if siege else "false",
        numeroVoieEtablissement="2",
        typeVoieEtablissement="AV",
        libelleVoieEtablissement="DE L'EUROPE",
        codePostalEtablissement="31400",
        libelleCommuneEtablissement="VILLE",
        codeCommuneEtablissement=commune,
        coordonneeLambertAbscisseEtablissement=x,
        coordonneeLambertOrdonneeEtablissement=y,
        dateDebut="2015-01-01",
        etatAdministratifEtablissement=state,
        activitePrincipaleEtablissement="94.99Z",
        nomenclatureActivitePrincipaleEtablissement="NAFRev2",
        caractereEmployeurEtablissement="O",
        **more,
    )
    return list(values.values())


def write_sirene(path: Path, rows: list[list[str]], filler: int = 0) -> Path:
    """A StockEtablissement CSV: `filler` establishments of other SIRENs first, then `rows`."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SIRENE_HEADER)
        for i in range(filler):
            siren = f"{300000000 + i:09d}"
            writer.writerow(sirene_row(siren, "00011", True, "75056", "652000", "6862000"))
        writer.writerows(rows)
    return path
