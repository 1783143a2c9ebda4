"""Counting labels the way official announcements do, from the label decisions.

Official counts count applications: a joint application (Images & Réseaux with TES, the water
pôles under France Water Team in phase 4) is one label. Entities are never bent to hit a count:
the counts are recomputed from `cluster_labels.csv` and compared with the published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

LABEL_STATUSES = ("labelled", "one_year", "two_year", "probation")  # holding a label


# Published figures that the sourced events cannot reproduce, with the reason. A gap is shown
# by `validate` on every run; it is never closed by inventing a pôle or a decision.
DOCUMENTED_GAPS = {
    "pôles labelled by the CIACT of 12 July 2005": (
        "the July 2005 press figure is 67, but the government's own later statements count 66 "
        "labelled on 12 July 2005 (La Gazette des communes, Dec. 2005: 'sur les 66 labellisés cet "
        "été'; Batiactu; the minister in Feb. 2007), and only 66 lead to the 71 of 2007 after the "
        "Mov'eo merger and Orphème; no 67th pôle is named by any source found"
    ),
}


@dataclass(frozen=True)
class CountCheck:
    label: str
    expected: int
    actual: int
    source: str

    @property
    def ok(self) -> bool:
        return self.expected == self.actual

    @property
    def gap(self) -> str:
        """Why the published figure is not reproduced ("" when it is, or when unexplained)."""
        return "" if self.ok else DOCUMENTED_GAPS.get(self.label, "")


def _application_key(events: pd.DataFrame) -> pd.Series:
    return events["application"].where(events["application"].fillna("") != "", events["cluster_id"])


def applications_labelled_on(labels: pd.DataFrame, date: str, statuses=LABEL_STATUSES) -> int:
    """Distinct applications given a label (of one of `statuses`) by the decision of `date`."""
    events = labels[(labels["date"] == date) & labels["status"].isin(statuses)]
    return _application_key(events).nunique()


def phase_starts(labels: pd.DataFrame) -> dict[int, str]:
    """The first decision of each phase, read from the decisions themselves (a new phase needs no
    code): {1: "2005-07-12", …, 5: "2023-03-27"}. A label is granted for a phase: a pôle left out
    of the next phase's decision no longer holds one, even when no "delabelled" decision was
    published."""
    return {int(phase): date for phase, date in labels.groupby("phase")["date"].min().items()}


def phase_on(labels: pd.DataFrame, date: str) -> int:
    """The phase in force on `date` (ISO), e.g. `phase_on(labels, "2020-06-01") == 4`."""
    started = [phase for phase, start in phase_starts(labels).items() if start <= date]
    return max(started) if started else 0


def clusters_active_on(labels: pd.DataFrame, date: str) -> set[str]:
    """Pôles holding a label on `date`: their last decision up to that date granted one, and
    it was granted for the phase in force on that date."""
    past = labels[labels["date"] <= date].sort_values(["cluster_id", "date"], kind="stable")
    last = past.groupby("cluster_id")[["status", "phase"]].last()
    holding = last["status"].isin(LABEL_STATUSES) & (last["phase"] == phase_on(labels, date))
    return set(last.index[holding])


def newly_labelled_in(labels: pd.DataFrame, year: str) -> int:
    """Pôles whose first label decision falls in `year`."""
    first = labels.sort_values("date").groupby("cluster_id")["date"].first()
    return int(first.str.startswith(year).sum())


def delabelled_in(labels: pd.DataFrame, year: str) -> int:
    return int(((labels["status"] == "delabelled") & labels["date"].str.startswith(year)).sum())


def official_counts(labels: pd.DataFrame) -> list[CountCheck]:
    """The public counts, recomputed from the label decisions."""
    starts = phase_starts(labels)
    phase4, phase5 = starts[4], starts[5]
    return [
        CountCheck(
            "pôles labelled by the CIACT of 12 July 2005",
            67,
            applications_labelled_on(labels, starts[1]),
            "CIACT 12/07/2005; Sénat avis 93 (2007-2008)",
        ),
        CountCheck(
            "pôles labelled at the end of 2007",
            71,
            len(clusters_active_on(labels, "2007-12-31")),
            "competitivite.gouv.fr, 1re phase",
        ),
        CountCheck("pôles newly labelled in 2010", 6, newly_labelled_in(labels, "2010"), "CIACT 11/05/2010"),
        CountCheck("pôles delabelled in 2010", 6, delabelled_in(labels, "2010"), "CIACT 11/05/2010"),
        CountCheck(
            "phase 4 labels (joint applications count once)",
            56,
            applications_labelled_on(labels, phase4),
            "DGE, résultats du 5 février 2019",
        ),
        CountCheck(
            "phase 4 labels for four years",
            48,
            applications_labelled_on(labels, phase4, ("labelled",)),
            "DGE, 5 février 2019",
        ),
        CountCheck(
            "phase 4 labels for one year",
            8,
            applications_labelled_on(labels, phase4, ("one_year",)),
            "DGE, 5 février 2019",
        ),
        CountCheck("phase 5 labels", 55, applications_labelled_on(labels, phase5), "DGE, 27 mars 2023"),
    ]
