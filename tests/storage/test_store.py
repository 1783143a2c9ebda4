"""`python -m mapapp import` on both backends: round trip, nothing written on failure or kill,
rollback, dry run, sample rows replaced per pôle, hostile names, readers never see a mix."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from ingest_files import HOSTILE_FORMULA, HOSTILE_IMG, MEMBERS, write_csv

from mapapp.__main__ import main
from mapapp.data.profile import cluster_profile
from mapapp.data.store import StoreLoader, load_store
from mapapp.storage import KEEP_VERSIONS, NothingToRollBack

CLUSTER = "aerospace-valley"
MEMBER_HEADER = ["Pôle", "Raison sociale", "Catégorie", "Code INSEE", "SIREN", "Date d'adhésion"]


def members_csv(path: Path, rows: int | None = None, cluster: str = "Aerospace Valley") -> Path:
    """The fixture members (hostile names included) as cp1252 `;` CSV, or `rows` generated ones."""
    if rows is None:
        data = [[p, n, c, code, s, d.strftime("%d/%m/%Y")] for p, n, c, code, _, _, _, _, s, d in MEMBERS]
    else:
        communes = ["31555", "33063", "64445", "65440", "81004"]
        data = [
            [cluster, f"Entreprise {i:06d}", "PME", communes[i % len(communes)], "", f"01/02/{2006 + i % 18}"]
            for i in range(rows)
        ]
    return write_csv(path, MEMBER_HEADER, data, "cp1252", ";")


def run(env, *args: str, check: int | None = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "mapapp", *args], env=env.env, capture_output=True, text=True, timeout=300
    )
    if check is not None:
        assert done.returncode == check, done.stdout + done.stderr
    return done


def test_round_trip_members_projects_funding(backend_env, tmp_path):
    env = backend_env
    run(env, "import", "members", str(members_csv(tmp_path / "m.csv")), "--source", "Annuaire", "--as-of", "2024-05-01")
    projects = write_csv(
        tmp_path / "p.csv",
        ["Pôle", "Référence projet", "Titre", "Année", "Coût total"],
        [
            ["Aerospace Valley", "AV-1", "Drone « léger »", "2021", "1 234 567,89 €"],
            ["Lyonbiopôle", "LB-1", "Vaccin", 2022, "50 000"],
        ],
        "utf-8-sig",
        ";",
    )
    run(env, "import", "projects", str(projects), "--source", "Liste des projets")
    funding = write_csv(
        tmp_path / "f.csv",
        ["Référence projet", "Financeur", "Montant", "Année"],
        [
            ["AV-1", "FUI", "400 000", "2021"],
            ["AV-1", "Région", "100 000,50", "2021"],
            ["LB-1", "Bpifrance", "25 000", 2022],
        ],
        "cp1252",
        ";",
    )
    run(env, "import", "funding", str(funding))

    store = load_store(env.config.geodata_dir, env.data_dir, env.database_url)
    members = store.members[~store.members["sample"]].set_index("name")
    assert len(members) == len(MEMBERS)
    for _, n, _, code, *_, siren, since in MEMBERS:
        row = members.loc[n]
        assert (row["commune_code"], row["siren"], int(row["since"])) == (code, siren, since.year)
        assert (row["source"], row["as_of"], bool(row["sample"])) == ("Annuaire", "2024-05-01", False)
    projects = store.projects.set_index("project_id")
    assert projects.loc["AV-1", "total_cost_eur"] == pytest.approx(1234567.89)
    assert projects.loc["AV-1", "title"] == "Drone « léger »"
    funding = store.funding[store.funding["project_id"] == "AV-1"].set_index("funder")["amount_eur"].to_dict()
    assert funding == {"state_fui": 400000.0, "region": pytest.approx(100000.5)}

    # export reads the same store
    exported = run(env, "export", "clusters", "--format", "csv", "--q", "Lyonbiopôle").stdout
    assert "Lyonbiopôle" in exported


def test_import_twice_is_unchanged_and_merge_updates(use_env, tmp_path, capsys):
    path = members_csv(tmp_path / "m.csv")
    assert main(["import", "members", str(path), "--as-of", "2024-05-01"]) == 0
    capsys.readouterr()
    assert main(["import", "members", str(path), "--as-of", "2024-05-01"]) == 0
    assert f"0 added, 0 updated, {len(MEMBERS)} unchanged, 0 removed" in capsys.readouterr().out
    assert main(["import", "members", str(path), "--as-of", "2024-06-01"]) == 0
    assert f"0 added, {len(MEMBERS)} updated" in capsys.readouterr().out


def test_errors_are_listed_and_nothing_is_written(use_env, tmp_path, capsys):
    before = use_env.fingerprint()
    path = write_csv(
        tmp_path / "bad.csv",
        MEMBER_HEADER,
        [["Systematik", "A", "PME", "75056", "", ""], ["Aerospace Valley", "B", "licorne", "99999", "12", ""]],
        "utf-8",
        ";",
    )
    assert main(["import", "members", str(path)]) == 2
    err = capsys.readouterr().err
    assert 'bad.csv:2:1: unknown pôle "Systematik"' in err and "Systematic Paris-Region" in err
    assert "bad.csv:3:3:" in err and "bad.csv:3:4:" in err and "bad.csv:3:5:" in err
    assert "nothing written" in err
    assert use_env.fingerprint() == before


def test_dry_run_writes_nothing(use_env, tmp_path, capsys):
    before = use_env.fingerprint()
    assert main(["import", "members", str(members_csv(tmp_path / "m.csv")), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing written" in out and f"members: {len(MEMBERS)} added" in out and "removed (m-" in out
    assert use_env.fingerprint() == before


def test_failed_import_leaves_the_store_byte_identical(use_env, tmp_path, monkeypatch):
    main(["import", "members", str(members_csv(tmp_path / "m.csv"))])  # a first version to protect
    before = use_env.fingerprint()
    projects = write_csv(
        tmp_path / "p.csv",
        ["Pôle", "Titre", "Année", "Coût total"],
        [["Aerospace Valley", "X", "2021", "10"]],
        "utf-8",
        ";",
    )
    # projects import writes projects then funding (sample funding of the pôle removed): fail on the second
    from mapapp.storage import files, postgis

    calls = []

    def failing(original):
        def wrapper(*args):
            calls.append(args)
            if len(calls) == 2:
                raise OSError("disk full (test)")
            return original(*args)

        return wrapper

    monkeypatch.setattr(files, "table_bytes", failing(files.table_bytes))
    monkeypatch.setattr(postgis._PostgisWriter, "_write", failing(postgis._PostgisWriter._write))
    with pytest.raises(OSError, match="disk full"):
        main(["import", "projects", str(projects)])
    assert len(calls) == 2
    assert use_env.fingerprint() == before
    assert not list(tmp_path.glob(".data.staging-*"))


@pytest.mark.parametrize("when", ["while writing", "at a random time"])
def test_import_killed_midway_leaves_the_store_byte_identical(backend_env, tmp_path, when):
    env = backend_env
    big = members_csv(tmp_path / "big.csv", rows=20000)
    before = env.fingerprint()
    rng = random.Random(2005)
    interrupted = 0
    for _attempt in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "mapapp", "import", "members", str(big)],
            env=env.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if when == "while writing":
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None and not _writing(env, tmp_path):
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.03))
        else:
            time.sleep(rng.uniform(0.5, 4.0))
        proc.kill()
        proc.wait()
        after = env.fingerprint()
        if after == before:
            interrupted += 1
            continue
        # killed after its commit (or finished): then it is the complete new version
        store = load_store(env.config.geodata_dir, env.data_dir, env.database_url)
        assert (~store.members["sample"]).sum() == 20000
        before = after
    assert interrupted >= 1
    # and the next import still works (and removes the leftovers of the killed ones)
    run(env, "import", "members", str(members_csv(tmp_path / "m.csv")))
    assert not list(tmp_path.glob(".data.staging-*"))


def _writing(env, tmp_path: Path) -> bool:
    """An import is writing: a staging directory exists (files) or the writer lock is held (PostGIS)."""
    if not env.database_url:
        return bool(list(tmp_path.glob(".data.staging-*")))
    import psycopg

    with psycopg.connect(env.database_url) as conn:
        return conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0] > 0


def test_rollback_restores_the_previous_version(use_env, tmp_path, capsys):
    backend = use_env.backend()
    original = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    main(["import", "members", str(members_csv(tmp_path / "m.csv"))])
    first = backend.read()[1]["members"]
    main(["import", "members", str(members_csv(tmp_path / "m2.csv", rows=10, cluster="Lyonbiopôle"))])
    capsys.readouterr()
    assert main(["import", "--rollback"]) == 0
    assert "1 more rollback(s) possible, down to base" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.DataFrame(backend.read()[1]["members"]), pd.DataFrame(first))
    assert main(["import", "--rollback"]) == 0
    restored = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    pd.testing.assert_frame_equal(pd.DataFrame(restored.members), pd.DataFrame(original.members))
    assert main(["import", "--rollback"]) == 2
    with pytest.raises(NothingToRollBack):
        backend.rollback()


def test_rollback_never_goes_past_the_versions_kept(use_env, tmp_path, capsys):
    """Six imports, then five rollbacks: four go back one version each, the fifth is refused
    (the version before the oldest kept was pruned), the store keeps its data, `validate` agrees,
    and the next import builds on it."""
    members, versions = [], []
    for i in range(KEEP_VERSIONS + 1):
        assert main(["import", "members", str(members_csv(tmp_path / f"m{i}.csv", rows=10 + i))]) == 0
        members.append(pd.DataFrame(use_env.backend().read()[1]["members"]))
        versions.append(use_env.backend().version())
    capsys.readouterr()
    for back in range(1, KEEP_VERSIONS):
        assert main(["import", "--rollback"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("rolled back: now ")
        left = KEEP_VERSIONS - 1 - back
        assert f"{left} more rollback(s)" in out if left else "none further" in out
        pd.testing.assert_frame_equal(pd.DataFrame(use_env.backend().read()[1]["members"]), members[-1 - back])
    oldest = use_env.fingerprint()
    for _ in range(2):  # refused, and refused again: never a crash, never an empty store
        assert main(["import", "--rollback"]) == 2
        assert "is the oldest version kept" in capsys.readouterr().err
        assert use_env.fingerprint() == oldest
    store = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    pd.testing.assert_frame_equal(pd.DataFrame(store.members), members[1])
    assert run(use_env, "validate").returncode == 0
    served = use_env.backend().version()
    assert main(["import", "members", str(members_csv(tmp_path / "again.csv", rows=12))]) == 0
    assert use_env.backend().version() not in [served, *versions]  # a new name, never one used before
    store = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    assert (store.members["cluster_id"] == CLUSTER).sum() == 12 and len(store.members) == len(members[1]) + 1


def test_sample_rows_vanish_where_real_data_replaced_them(use_env, tmp_path):
    from mapapp import create_app

    before = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    assert before.members.loc[before.members["cluster_id"] == CLUSTER, "sample"].all()
    main(["import", "members", str(members_csv(tmp_path / "m.csv", rows=50))])
    store = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    mine = store.members[store.members["cluster_id"] == CLUSTER]
    assert len(mine) == 50 and not mine["sample"].any()
    others = store.members[store.members["cluster_id"] != CLUSTER]
    assert others["sample"].all() and len(others) == (before.members["cluster_id"] != CLUSTER).sum()

    profile = cluster_profile(store, CLUSTER)
    assert profile["members"]["sample"] is False and profile["members"]["count"] == 50
    assert cluster_profile(store, "systematic-paris-region")["members"]["sample"] is True
    if use_env.kind == "files":  # create_app reads MAPAPP_DATA_DIR (the PostGIS URL is not wired there yet)
        client = create_app(use_env.config).server.test_client()
        assert client.get(f"/api/clusters/{CLUSTER}").get_json()["members"]["sample"] is False

    # --replace: every row of the file's pôles is replaced, real ones included
    main(["import", "members", str(members_csv(tmp_path / "m2.csv", rows=7)), "--replace"])
    store = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    assert len(store.members[store.members["cluster_id"] == CLUSTER]) == 7


def test_projects_replace_sample_projects_and_their_funding(use_env, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["Pôle", "Titre", "Année", "Coût total"],
        [["Aerospace Valley", "X", "2021", "10"]],
        "utf-8",
        ";",
    )
    main(["import", "projects", str(path)])
    store = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    assert store.projects.loc[store.projects["cluster_id"] == CLUSTER, "title"].tolist() == ["X"]
    assert not (store.funding["cluster_id"] == CLUSTER).any()
    assert store.funding["sample"].all() and len(store.funding) > 0


def test_hostile_names_are_stored_as_text(use_env, tmp_path):
    main(["import", "members", str(members_csv(tmp_path / "m.csv"))])
    store = load_store(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url)
    names = set(store.members["name"])
    assert {HOSTILE_IMG, HOSTILE_FORMULA} <= names


def test_running_app_picks_up_an_import(use_env, tmp_path):
    loader = StoreLoader(use_env.config.geodata_dir, use_env.data_dir, use_env.database_url, check_every=0)
    first = loader.get()
    assert loader.get() is first  # unchanged version: the same Store, no reload
    main(["import", "members", str(members_csv(tmp_path / "m.csv"))])
    assert loader.get() is first  # the new store is loaded beside the one served…
    loader.wait()
    second = loader.get()  # … and replaces it once complete
    assert second is not first and second.version != first.version
    assert (~second.members["sample"]).sum() == len(MEMBERS)


def test_readers_see_the_old_or_the_new_store_never_a_mix(use_env, tmp_path):
    """A projects import changes two tables (projects, and the pôle's sample funding): a reader
    must never see the new projects with the old funding, or the reverse."""
    path = write_csv(
        tmp_path / "p.csv",
        ["Pôle", "Titre", "Année", "Coût total"],
        [["Aerospace Valley", "X", "2021", "10"]],
        "utf-8",
        ";",
    )
    backend = use_env.backend()
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            _, tables = backend.read()
            real_projects = (tables["projects"]["cluster_id"] == CLUSTER) & ~tables["projects"]["sample"]
            sample_funding = (tables["funding"]["cluster_id"] == CLUSTER) & tables["funding"]["sample"]
            seen.append((bool(real_projects.any()), bool(sample_funding.any())))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        time.sleep(0.3)
        main(["import", "projects", str(path)])
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    assert set(seen) <= {(False, True), (True, False)}, set(seen)
    assert (True, False) in seen and (False, True) in seen
