"""Merged roster persons as the cost engine's population, and what each one pays: villages
matched to the scenario's, everyone enrolled, each their own household (issue 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.population import Population, Villages, read_villages
from ..policy import Scenario
from ..policy.rules import HUKOU_CODE
from ..results.outlay import Outlay
from ..vocabulary import Vocabulary
from .kinds import person_results_by_kind

#: Village label for persons whose rosters give neither a village nor a town.
NO_VILLAGE = "（未填）"


def _village_key(name: str) -> str:
    name = "".join(name.split())
    for suffix in ("居委会", "村委会", "社区", "村"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def scenario_villages(scenario: Scenario) -> Villages | None:
    pol = scenario.policy
    name = pol.area.villages_file or pol.targets.villages_file
    return read_villages(scenario.data_path(name)) if name else None


def build_villages(labels: list[str], known: Villages | None) -> tuple[Villages, np.ndarray]:
    """Villages in order of first appearance on the rosters, mapped to the scenario's when named alike."""
    lookup: dict[str, int] = {}
    if known is not None:
        for i, (vid, kzh, ken) in enumerate(zip(known.ids, known.zh, known.en)):
            for key in (vid, kzh, ken):
                lookup.setdefault(key, i)
                lookup.setdefault(_village_key(key), i)
    order: dict[str, int] = {}
    ids: list[str] = []
    zh: list[str] = []
    en: list[str] = []
    index = np.zeros(len(labels), np.uint16)
    for n, name in enumerate(labels):
        if name not in order:
            k = lookup.get(name, lookup.get(_village_key(name)))
            if k is not None and known is not None:
                vid, vzh, ven = known.ids[k], known.zh[k], known.en[k]
            else:
                vid, vzh, ven = name, name, name
            if vid in ids:  # two roster spellings of one scenario village
                order[name] = ids.index(vid)
            else:
                order[name] = len(ids)
                ids.append(vid)
                zh.append(vzh)
                en.append(ven)
        index[n] = order[name]
    if not ids:
        ids, zh, en = [NO_VILLAGE], [NO_VILLAGE], ["(none)"]
    zeros = np.zeros(len(ids), np.int64)
    return Villages(tuple(ids), tuple(zh), tuple(en), zeros, zeros.copy()), index


def roster_population(
    persons: pd.DataFrame, villages: Villages, vindex: np.ndarray, rows_read: int, vocab: Vocabulary
) -> Population:
    """The merged persons as a population for the cost engine: everyone enrolled in the
    collection period, each their own household."""
    n = len(persons)
    return Population(
        identities=vocab.mask_array(persons["identity_mask"].to_numpy(np.uint64) if n else []),
        age=persons["age"].to_numpy(np.uint8) if n else np.zeros(0, np.uint8),
        sex=np.array([1 if s == "M" else 0 for s in persons["sex"]], np.uint8),
        disability=persons["disability_grade"].to_numpy(np.uint8) if n else np.zeros(0, np.uint8),
        village=vindex,
        household=np.arange(n, dtype=np.int64),
        enrolled=np.ones(n, bool),
        timing=np.zeros(n, np.uint8),
        villages=villages,
        person_id=np.array([f"p{i}" for i in range(n)], dtype=object),
        rows_read=rows_read,
        # 户籍 type as the population reader codes it, so `hukou:` rules restrict the bill
        hukou=np.array([HUKOU_CODE[h] for h in persons["hukou"]], np.uint8),
    )


def add_payments(persons: pd.DataFrame, sc: Scenario, pop: Population, outlay: Outlay) -> None:
    """Each person's tier and fen by source (columns added to ``persons``), checked to add up
    to the engine's outlay to the fen."""
    results = person_results_by_kind(sc, pop)  # the engine's results, once per kind of person
    persons["tier"] = results["tier"].to_numpy()
    for s in outlay.sources:
        persons[f"{s}_fen"] = results[f"{s}_fen"].to_numpy(np.int64)
    persons["fiscal_subsidy_fen"] = results["fiscal_subsidy_fen"].to_numpy(np.int64)
    totals = {s: int(persons[f"{s}_fen"].sum()) for s in outlay.sources}
    engine = dict(zip(outlay.sources, (int(x) for x in outlay.source_fen())))
    if totals != engine:
        raise RuntimeError("roster bill: per-person payments do not add up to the engine's outlay")
