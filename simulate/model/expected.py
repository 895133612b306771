"""The synthesizer's expected-value twin: the expected outlay of a synthetic population,
computed from the builder's own distributions (``synth``: identity rates, the age/sex table,
disability, participation, timing, 户籍) without drawing anyone, and resolved by the engine.

Whatever the builder draws, this module takes as probabilities from the same ``SynthSpec``
and the same lookup tables, so the two cannot drift apart (issue 11 item 3).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ScenarioError
from ..policy import Rule, Scenario
from ..policy.rules import mask_of, uses_hukou
from ..policy.schema import Policy
from ..policy.subsidy import TIMINGS
from ..vocabulary import IDENTITY_BIT
from .engine import Compiled, compile_for_engine, resolve_tiers
from .synth import (
    RURAL_ONLY,
    URBAN_ONLY,
    SynthSpec,
    default_size,
    default_spec,
    fully_subsidized_rules,
    lookup_table,
    with_local_rates,
)


def _rule_ages(rule: Rule | str, out: set[int]) -> None:
    if isinstance(rule, str):
        return
    if rule.age is not None:
        out.update((rule.age.min, rule.age.max + 1))
    for part in (rule.any or ()) + (rule.all or ()) + ((rule.not_,) if rule.not_ is not None else ()):
        _rule_ages(part, out)


def _rule_uses_sex(rule: Rule | str) -> bool:
    if isinstance(rule, str):
        return False
    parts = (rule.any or ()) + (rule.all or ()) + ((rule.not_,) if rule.not_ is not None else ())
    return rule.sex is not None or any(_rule_uses_sex(p) for p in parts)


def _urban_probability(combos: np.ndarray, urban_share: float) -> np.ndarray:
    """P(urban 户籍) per identity combination, as ``synth's hukou draw`` draws it."""
    rural = 0
    for ident in RURAL_ONLY:
        rural |= 1 << IDENTITY_BIT[ident]
    urban = 1 << IDENTITY_BIT[URBAN_ONLY[0]]
    return np.where((combos & np.uint32(rural)) != 0, 0.0, np.where((combos & np.uint32(urban)) != 0, 1.0, urban_share))


def _identity_rates(spec: SynthSpec, size: int, bits: dict[str, int]) -> list[tuple[int, float, int, int]]:
    """(bit, person rate, age_min, age_max) for every identity the builder draws."""
    ident_of_bit = {b: i for i, b in bits.items()}.__getitem__
    out = [(bit, rate, lo, hi) for bit, rate, lo, hi in spec.person_rates]
    out += [(bit, rate, 0, 150) for bit, rate in spec.household_rates]
    if spec.counts:  # exact counts: their share of the population, over the identity's ages
        fixed = []
        for bit, rate, lo, hi in out:
            ident = ident_of_bit(bit)
            if ident in spec.counts:
                share = _age_share(spec, lo, hi)
                rate = min(1.0, spec.counts[ident] / size / share) if share > 0 else 0.0
            fixed.append((bit, rate, lo, hi))
        out = fixed
    return out


def age_sex_probs(spec: SynthSpec) -> np.ndarray:
    """P(age, sex) [151, 2] exactly as the builder's lookup table draws them."""
    counts = np.bincount(spec.age_sex.astype(np.int64), minlength=302)[:302]
    probs: np.ndarray = (counts / spec.age_sex.shape[0]).reshape(151, 2)
    return probs


def _age_share(spec: SynthSpec, lo: int, hi: int) -> float:
    return float(age_sex_probs(spec)[lo : hi + 1].sum())


def cached_compile(sc: Scenario) -> Compiled:
    """The engine's compiled policy, kept on the scenario object (scenarios are immutable)."""
    comp = getattr(sc, "_analysis_compiled", None)
    if comp is None:
        comp = compile_for_engine(sc.policy)
        object.__setattr__(sc, "_analysis_compiled", comp)  # a cache beside the scenario, not a field
    return comp


def expected_outlay(
    sc: Scenario,
    size: int | None = None,
    spec: SynthSpec | None = None,
    eps: float = 1e-12,
    started: float | None = None,
) -> dict[str, Any]:
    """The expected outlay of ``sc`` over a synthetic population of ``size`` persons (see
    :func:`simulate.analysis.expected_value`); ``started`` is when the caller's timer began."""
    t0 = time.perf_counter() if started is None else started
    pol = sc.policy
    sp = with_local_rates(spec or default_spec(), pol)
    if size is None:
        size = default_size(sc)
    comp = cached_compile(sc)
    if comp.tables.several:  # the profiles carry no grade nor standard: say so, never a wrong figure
        raise ScenarioError(
            "contribution.standards",
            "the expected-value method does not handle several standards or by_age amounts yet; use simulate run",
        )
    t = comp.tables
    rates = _relevant_rates(comp, sp, size)
    combos, present = _combinations(rates, eps, pol.vocab.mask_dtype)
    cls_lo, p_cls = _age_classes(sp, rates, t.rules)
    w_ca = _combination_weights(rates, present, cls_lo)
    p_none, w_cg = _disability_weights(sp, combos, comp.uses_disability)
    prof = _profiles(pol, sp, t.rules, combos, p_cls, w_ca, w_cg, eps)
    _enrol_at_full(pol, sp, prof, combos, cls_lo, p_none, w_cg.shape[1], eps)
    tier, _ = resolve_tiers(
        comp,
        prof.ident,
        cls_lo[prof.ai].astype(np.uint8),
        prof.si.astype(np.uint8),
        prof.gi.astype(np.uint8),
        prof.timing,
        prof.hk,
    )
    p_enr = np.full(prof.w.shape[0], sp.participation)
    if comp.retention is not None:
        p_enr = p_enr * comp.retention[tier]
    if sp.disabled_full and w_cg.shape[1] == 1:  # grades not tracked here: mix in the disabled share
        p_enr = prof.p_dis + (1.0 - prof.p_dis) * p_enr
    p_enr = np.where(prof.full, 1.0, p_enr)
    n_t = len(t.tier_ids)
    n_m = len(TIMINGS)
    key = tier.astype(np.int64) * n_m + prof.timing
    enrolled_tm = np.bincount(key, weights=prof.w * p_enr, minlength=n_t * n_m).reshape(n_t, n_m) * size
    return _result(sc, comp, size, enrolled_tm, prof.w, t0)


def _relevant_rates(comp: Compiled, sp: SynthSpec, size: int) -> list[tuple[int, float, int, int]]:
    """The identity rates that some tier, 100% group or disability risk looks at."""
    rates = _identity_rates(sp, size, dict(comp.tables.identity_bit))
    rr_bits = {mask: rr for mask, rr in sp.disability_rr}
    look = comp.relevant_bits | sp.full_participation_mask
    for mask in rr_bits:
        look |= mask
    return [r for r in rates if look >> r[0] & 1]


def _combinations(
    rates: list[tuple[int, float, int, int]], eps: float, word: type = np.uint32
) -> tuple[np.ndarray, np.ndarray]:
    """Combinations of identities, grown bit by bit, dropping those below ``eps``:
    (identity bits [C], which rate each holds [C, J])."""
    bits = np.array([r[0] for r in rates], np.int64)
    rate = np.array([r[1] for r in rates])
    combos: np.ndarray = np.zeros(1, word)
    bound = np.ones(1)
    for j in range(bits.shape[0]):
        keep = bound * rate[j] >= eps
        combos = np.concatenate([combos, combos[keep] | word(1 << int(bits[j]))])
        bound = np.concatenate([bound, bound[keep] * rate[j]])
    present = ((combos[:, None] >> bits[None, :].astype(word)) & 1).astype(bool)  # [C, J]
    return combos, present


def _age_classes(
    sp: SynthSpec, rates: list[tuple[int, float, int, int]], rules: Sequence[Rule | str]
) -> tuple[np.ndarray, np.ndarray]:
    """Age classes cut wherever a rule or an identity window starts or ends, and at 0/1:
    (first age of each class [A], P(class, sex) [A, 2], sex folded into column 0 when no
    rule looks at it)."""
    cuts = {0, 1, 151}
    for _, _, lo, hi in rates:
        cuts.update((lo, min(hi, 150) + 1))
    for rule in rules:
        _rule_ages(rule, cuts)
    edges = sorted(c for c in cuts if 0 <= c <= 151)
    p_as = age_sex_probs(sp)
    cls_lo = np.array(edges[:-1])
    p_cls = np.array([p_as[a:b].sum(axis=0) for a, b in zip(edges[:-1], edges[1:])])  # [A, 2]
    if not any(_rule_uses_sex(r) for r in rules):
        p_cls = np.stack([p_cls.sum(axis=1), np.zeros(len(cls_lo))], axis=1)
    return cls_lo, p_cls


def _combination_weights(
    rates: list[tuple[int, float, int, int]], present: np.ndarray, cls_lo: np.ndarray
) -> np.ndarray:
    """P(combination | age class) [C, A]."""
    rate = np.array([r[1] for r in rates])
    lo_j = np.array([r[2] for r in rates])
    hi_j = np.array([r[3] for r in rates])
    r_ja = np.where(
        (cls_lo[None, :] >= lo_j[:, None]) & (cls_lo[None, :] <= hi_j[:, None]), rate[:, None], 0.0
    )  # [J, A]
    w_ca: np.ndarray = np.where(present[:, :, None], r_ja[None], 1.0 - r_ja[None]).prod(axis=1)  # [C, A]
    return w_ca


def _disability_weights(sp: SynthSpec, combos: np.ndarray, uses_disability: bool) -> tuple[np.ndarray, np.ndarray]:
    """P(no disability) per combination [C] and P(grade | combination) [C, 5] (or [C, 1] of
    ones when no rule looks at the grade)."""
    p_all = float(sum(sp.disability_rates))
    g_tab = lookup_table(np.arange(1, 5, dtype=np.uint8), np.array(sp.disability_rates))
    p_grade = np.bincount(g_tab, minlength=5)[1:5] / g_tab.shape[0]
    p_none = np.full(combos.shape[0], 1.0 - p_all)
    for mask, rr in sp.disability_rr:
        q = max(min(0.9, p_all * rr) - p_all, 0.0) / (1 - p_all)
        p_none = np.where((combos & np.uint32(mask)) != 0, p_none * (1 - q), p_none)
    if uses_disability:
        w_cg = np.column_stack([p_none] + [(1 - p_none) * p_grade[g] for g in range(4)])
    else:
        w_cg = np.ones((combos.shape[0], 1))
    return p_none, w_cg


@dataclass
class _Profiles:
    """Profiles of people: indices into combinations (ci), age classes (ai), sex (si), grade
    (gi) and timing draw (mi: regular, late, extended), 户籍 code (hk), and their weight w.
    ``_enrol_at_full`` adds each profile's identities, timing code, 100% flag and disabled share."""

    ci: np.ndarray
    ai: np.ndarray
    si: np.ndarray
    gi: np.ndarray
    mi: np.ndarray
    hk: np.ndarray | None
    w: np.ndarray
    ident: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    timing: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    full: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    p_dis: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _profiles(
    pol: Policy,
    sp: SynthSpec,
    rules: Sequence[Rule | str],
    combos: np.ndarray,
    p_cls: np.ndarray,
    w_ca: np.ndarray,
    w_cg: np.ndarray,
    eps: float,
) -> _Profiles:
    """Profiles: combination × age class, then × sex, grade and timing (and 户籍 where a rule
    looks at it), as the synthesizer draws them, dropping tiny ones."""
    G = w_cg.shape[1]
    w_ca = w_ca * p_cls.sum(axis=1)[None, :]
    ci, ai = np.nonzero(w_ca > eps)
    w = w_ca[ci, ai]
    si = np.zeros(ci.shape[0], np.int64)
    if p_cls[:, 1].any():  # some rule looks at sex: split each class by sex
        share_m = p_cls[:, 1] / np.maximum(p_cls.sum(axis=1), 1e-300)
        ci, ai, w = np.repeat(ci, 2), np.repeat(ai, 2), np.repeat(w, 2)
        si = np.tile(np.array([0, 1]), w.shape[0] // 2)
        w = w * np.where(si == 1, share_m[ai], 1 - share_m[ai])
    n = w.shape[0]
    # each profile × grade × timing draw (regular, late, extended: weighed in _enrol_at_full)
    ci, ai, si = np.repeat(ci, 3 * G), np.repeat(ai, 3 * G), np.repeat(si, 3 * G)
    gi = np.tile(np.repeat(np.arange(G), 3), n)
    mi = np.tile(np.array([0, 1, 2]), n * G)
    w = np.repeat(w, 3 * G) * w_cg[ci, gi]
    hk = None
    if pol.area.urban_percent is not None and any(uses_hukou(r) for r in rules):
        # 户籍 type: each profile splits into rural and urban, as the synthesizer draws it
        p_urban = _urban_probability(combos, float(pol.area.urban_percent) / 100)
        ci, ai, si, gi, mi = (np.repeat(x, 2) for x in (ci, ai, si, gi, mi))
        hk = np.tile(np.array([1, 2], np.uint8), w.shape[0])
        w = np.repeat(w, 2) * np.where(hk == 2, p_urban[ci], 1.0 - p_urban[ci])
    return _Profiles(ci, ai, si, gi, mi, hk, w)


def _enrol_at_full(
    pol: Policy,
    sp: SynthSpec,
    prof: _Profiles,
    combos: np.ndarray,
    cls_lo: np.ndarray,
    p_none: np.ndarray,
    G: int,
    eps: float,
) -> None:
    """Weigh each profile by its timing draw and mark who is enrolled at 100%, as the
    synthesizer draws them (hardship identities, certified disabled people, people a fully
    subsidizing tier's payer enrolls: never late or extended); drops tiny profiles. Timing:
    extended (where the document has an extension) over late over regular."""
    late = sp.late_share
    ext = sp.extended_share if pol.timing.extension is not None else 0.0
    p_mi = np.array([(1.0 - late) * (1.0 - ext), late * (1.0 - ext), ext])
    ci, ai, si, gi, mi, hk, w = prof.ci, prof.ai, prof.si, prof.gi, prof.mi, prof.hk, prof.w
    ident = combos[ci]
    full = (ident & ident.dtype.type(sp.full_participation_mask)) != 0
    grade = gi.astype(np.uint8)
    if sp.disabled_full and G > 1:
        full |= grade > 0
    if sp.subsidized_full:
        for rule in fully_subsidized_rules(pol):
            full |= mask_of(
                rule, ident, cls_lo[ai].astype(np.uint8), si.astype(np.uint8), grade, hk, pol.vocab.identity_bit
            )
    factor = np.where(full, (mi == 0).astype(float), p_mi[mi])
    p_dis = np.zeros(w.shape[0])
    if sp.disabled_full and G == 1:  # grades not tracked: the disabled share is spared too
        d = 1.0 - p_none[ci]
        factor = np.where(full, factor, d * (mi == 0) + (1.0 - d) * p_mi[mi])
        # share of disabled people within each profile (all in the regular one)
        p_dis = np.where(mi == 0, d / np.maximum(d + (1.0 - d) * p_mi[0], 1e-300), 0.0)
    w = w * factor
    timing = np.where(mi == 1, 1, np.where(mi == 2, 3, np.where(cls_lo[ai] == 0, 2, 0))).astype(np.uint8)
    keep = w > eps
    prof.ci, prof.ai, prof.si, prof.gi, prof.timing, prof.w = (
        ci[keep],
        ai[keep],
        si[keep],
        gi[keep],
        timing[keep],
        w[keep],
    )
    prof.ident, prof.full, prof.p_dis = ident[keep], full[keep], p_dis[keep]
    prof.mi = mi[keep]
    prof.hk = None if hk is None else hk[keep]


def _result(
    sc: Scenario, comp: Compiled, size: int, enrolled_tm: np.ndarray, w: np.ndarray, t0: float
) -> dict[str, Any]:
    """The expected figures in yuan and persons, with how many profiles were weighed."""
    t = comp.tables
    counts = np.where(t.accepted, enrolled_tm, 0.0)
    by_source_fen = np.einsum("tm,tms->s", counts, t.pays.astype(np.float64))
    fiscal_fen = float((counts * t.fiscal).sum())
    elapsed = (time.perf_counter() - t0) * 1000
    return {
        "scenario": sc.id,
        "persons": int(size) if float(size).is_integer() else float(size),
        "enrolled": float(counts.sum()),
        "by_source": {s: round(float(f) / 100, 2) for s, f in zip(t.sources, by_source_fen) if f},
        "fiscal_subsidy": round(fiscal_fen / 100, 2),
        "by_tier": {tid: round(float(counts[i].sum()), 3) for i, tid in enumerate(t.tier_ids)},
        "late_refused": round(float(np.where(t.accepted, 0.0, enrolled_tm).sum()), 3),
        "profiles": int(w.shape[0]),
        "mass_left_out": float(max(0.0, 1.0 - w.sum())),
        "method": "expected value (no sampling)",
        "elapsed_ms": round(elapsed, 2),
    }
