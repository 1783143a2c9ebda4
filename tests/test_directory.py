"""The pôles directory: schema, references, sources and the published counts."""

from __future__ import annotations

import re

from mapapp.data.labels import clusters_active_on, official_counts, phase_on
from mapapp.data.validate import referential_errors, validate_all


def test_every_row_has_a_source_and_a_date(store):
    for frame in (store.clusters, store.labels):
        assert (frame["source"].str.strip() != "").all()
        assert frame["as_of"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_ids_are_stable_slugs(store):
    assert store.clusters["id"].is_unique
    assert store.clusters["id"].map(lambda i: bool(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i))).all()


def test_no_dangling_reference(store):
    assert referential_errors(store) == []


def test_about_a_hundred_pôles_over_five_phases(store):
    assert 80 <= len(store.clusters) <= 130
    for phase in (1, 2, 3, 4, 5):
        assert store.clusters["phases"].map(lambda ps, p=phase: p in ps).sum() >= 50


def test_published_counts_are_reproduced_from_the_events(store):
    checks = official_counts(store.labels)
    assert len(checks) == 8
    for check in checks:
        # A published figure the sources cannot reproduce must be explained, and stay close.
        assert check.ok or (check.gap and abs(check.actual - check.expected) <= 1), check
    assert sum(not c.ok for c in checks) <= 2


def test_a_wrong_event_breaks_the_counts(store):
    broken = store.labels.copy()
    broken.loc[broken["date"] == "2019-02-05", "status"] = "labelled"
    check = {c.label: c for c in official_counts(broken)}["phase 4 labels for one year"]
    assert not check.ok and not check.gap


def test_merged_pôles_point_at_their_successor(store):
    clusters = store.clusters.set_index("id")
    polymeris = clusters.loc["polymeris"]
    assert set(polymeris["merged_from"]) >= {"plastipolis", "elastopole"}
    assert clusters.loc["plastipolis", "merged_date"] == "2020-12-31"
    assert not clusters.loc["plastipolis", "current"]


def test_labels_expire_with_their_phase(store):
    labels = store.labels
    assert phase_on(labels, "2005-07-12") == 1 and phase_on(labels, "2019-02-04") == 3
    assert phase_on(labels, "2024-01-08") == 5
    phase3_only = store.labels.groupby("cluster_id")["phase"].max()
    dropped = set(phase3_only[phase3_only == 3].index)
    assert dropped, "some pôles were not renewed in phase 4"
    assert dropped.isdisjoint(clusters_active_on(store.labels, "2020-01-01"))


def test_validate_command_reports_counts(config):
    report = validate_all(config.geodata_dir, config.data_dir)
    assert report.errors == []
    assert "phase 5 labels: 55" in report.summary()
