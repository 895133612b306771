"""The synthetic population builder: structure, age rules, correlation, calibration."""

import numpy as np
import pytest

import simulate
from simulate.model.synth import BLOCK, synthesize
from simulate.vocabulary import HOUSEHOLD_IDENTITIES, IDENTITY_BIT


def _bit(ident):
    return np.uint32(1 << IDENTITY_BIT[ident])


@pytest.fixture(scope="module")
def sinan_pop():
    sc = simulate.load_scenario("scenarios/sinan-2021.yaml")
    return synthesize(sc, size=BLOCK + 200_000, seed=11).materialize()


def test_household_identities_shared_by_every_member(sinan_pop):
    pop = sinan_pop
    order = np.argsort(pop.household, kind="stable")
    hh = pop.household[order]
    starts = np.flatnonzero(np.r_[True, hh[1:] != hh[:-1]])
    for ident in sorted(HOUSEHOLD_IDENTITIES):
        has = ((pop.identities[order] & _bit(ident)) != 0).astype(np.int64)
        per_hh = np.add.reduceat(has, starts)
        size = np.diff(np.r_[starts, len(hh)])
        assert np.all((per_hh == 0) | (per_hh == size)), ident


def test_person_identities_respect_age_rules(sinan_pop):
    pop = sinan_pop
    for ident, lo, hi in [
        ("orphan", 0, 17),
        ("de_facto_orphan", 0, 17),
        ("only_child", 0, 17),
        ("downsized_1960s", 75, 150),
    ]:
        ages = pop.age[(pop.identities & _bit(ident)) != 0]
        assert len(ages) > 0, ident
        assert ages.min() >= lo and ages.max() <= hi, ident


def test_disability_more_common_among_dibao_and_destitute(sinan_pop):
    pop = sinan_pop
    disabled = pop.disability > 0
    dibao = (pop.identities & (_bit("rural_dibao") | _bit("urban_dibao"))) != 0
    destitute = (pop.identities & _bit("destitute")) != 0
    general = pop.identities == 0
    assert disabled[dibao].mean() > 2 * disabled[general].mean()
    assert disabled[destitute].mean() > 3 * disabled[general].mean()


def test_hardship_groups_fully_enrolled(sinan_pop):
    pop = sinan_pop
    for ident in ("destitute", "rural_dibao", "registered_poor"):
        assert pop.enrolled[(pop.identities & _bit(ident)) != 0].all(), ident
    assert 0.93 < pop.enrolled[pop.identities == 0].mean() < 0.97


def test_exact_counts_hit_across_blocks():
    sc = simulate.load_scenario("scenarios/sinan-2021.yaml")
    counts = {"rural_dibao": 98_765, "orphan": 432, "priority_entitled": 5_000}
    pop = synthesize(sc, size=2 * BLOCK + 12_345, seed=4, counts=counts)
    got = {k: 0 for k in counts}
    for block in pop.blocks():
        for k in counts:
            got[k] += int(((block.identities & _bit(k)) != 0).sum())
    assert got == counts


def test_daligang_villages_exact_and_households_inside_villages():
    sc = simulate.load_scenario("scenarios/daligang-2020.yaml")
    pop = synthesize(sc, seed=2).materialize()
    assert len(pop) == 67_949
    assert np.array_equal(np.bincount(pop.village, minlength=18), pop.villages.residents)
    # a household never spans two villages
    first_village = {}
    for h, v in zip(pop.household[::97], pop.village[::97]):
        assert first_village.setdefault(int(h), int(v)) == int(v)


def test_same_seed_same_bytes_other_seed_differs():
    sc = simulate.load_scenario("scenarios/langxi-2024.yaml")
    a = synthesize(sc, size=300_000, seed=5).block(0)
    b = synthesize(sc, size=300_000, seed=5).block(0)
    c = synthesize(sc, size=300_000, seed=6).block(0)
    for col in ("identities", "age", "sex", "disability", "village", "household", "enrolled", "timing"):
        assert getattr(a, col).tobytes() == getattr(b, col).tobytes(), col
    assert a.identities.tobytes() != c.identities.tobytes()


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"size": 0}, "--size"),
        ({"size": -5}, "--size"),
        ({"seed": -1}, "--seed"),
        ({"counts": {"rural_dibo": 3}}, "unknown identity"),
        ({"size": 10, "counts": {"orphan": 11}}, "counts.orphan"),
    ],
)
def test_bad_population_parameters(kwargs, needle):
    sc = simulate.load_scenario("scenarios/sinan-2021.yaml")
    with pytest.raises(simulate.PopulationError) as exc:
        synthesize(sc, **kwargs)
    assert needle in str(exc.value)


# --------------------------------------------------------------------------- issue 14


def test_enrolment_base_matches_the_cited_data_file():
    """Every scenario's area carries the figures of data/enrolment-base.csv, and the default
    synthetic population is that base less the employee-insured share (docs/policies.md)."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data" / "enrolment-base.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    expected_size = {
        "daligang-2020": 67949,
        "sinan-2021": 598500,
        "langxi-2024": 280362,
        "songming-2018": 388080,
        "shuangpai-2022": 141426,
        "zigong-2025": 2240330,
    }  # residents × (1 − share), by hand
    assert {r["scenario"] for r in rows} == set(expected_size), "a row of the file has no hand-worked size here"
    for r in rows:
        sc = simulate.load_scenario(f"scenarios/{r['scenario']}.yaml")
        area = sc.policy.area
        assert area.basis == r["basis"], r["scenario"]
        assert float(area.employee_insured_percent) == float(r["employee_insured_percent"])
        assert float(area.urban_percent) == float(r["urban_percent"])
        if area.residents is not None:
            assert area.residents == int(r["residents"])
        assert area.assumption and "enrolment-base.csv" in area.note
        assert any(a["path"] == "area" for a in sc.assumptions()), "simulate assumptions lists the base"
        assert synthesize(sc, seed=1).size == expected_size[r["scenario"]]


def test_enrolment_base_can_be_set_in_one_place():
    sc = simulate.load_scenario(
        "scenarios/langxi-2024.yaml", {"area.residents": 300000, "area.employee_insured_percent": 20}
    )
    assert synthesize(sc, seed=1).size == 240000


def test_hukou_drawn_at_the_urban_share_and_consistent_with_identities():
    sc = simulate.load_scenario("scenarios/langxi-2024.yaml")
    pop = synthesize(sc, size=200_000, seed=5).materialize()
    assert pop.hukou is not None and set(np.unique(pop.hukou)) == {1, 2}
    plain = pop.identities == 0
    share = float((pop.hukou[plain] == 2).mean())
    assert abs(share - 0.6337) < 0.01  # households drawn at 63.37% urban
    assert np.all(pop.hukou[(pop.identities & _bit("rural_dibao")) != 0] == 1)
    assert np.all(pop.hukou[(pop.identities & _bit("registered_poor")) != 0] == 1)
    rural_only = np.uint32(0)
    for ident in (
        "rural_dibao",
        "fp_two_households",
        "registered_poor",
        "monitored",
        "returned_to_poverty",
        "relocated",
    ):
        rural_only |= _bit(ident)
    urban = ((pop.identities & _bit("urban_dibao")) != 0) & ((pop.identities & rural_only) == 0)
    assert urban.sum() > 0 and np.all(pop.hukou[urban] == 2)


def test_late_and_extended_draws_spare_department_paid_groups():
    """大栗港 四(四)1: 重点人群 100% is measured on the collection period; people their payer
    enrolls (特困, 低保, 建档立卡, certified disabled, full tiers) are never drawn late."""
    sc = simulate.load_scenario("scenarios/daligang-2020.yaml")
    pop = synthesize(sc, seed=3).materialize()
    late, ext = pop.timing == 1, pop.timing == 3
    assert late.sum() > 300 and ext.sum() > 300  # 1% each of 67,949
    for ident in ("destitute", "rural_dibao", "registered_poor", "urban_dibao"):
        holders = (pop.identities & _bit(ident)) != 0
        assert holders.sum() > 0 and not (holders & (late | ext)).any(), ident
    assert not ((pop.disability != 0) & (late | ext)).any()
    # 思南 has no extension: nobody is drawn into one
    sinan = synthesize(simulate.load_scenario("scenarios/sinan-2021.yaml"), size=100_000, seed=3).materialize()
    assert not (sinan.timing == 3).any() and (sinan.timing == 1).any()


@pytest.mark.parametrize(
    "path, reads_hukou", [("scenarios/langxi-2024.yaml", False), ("scenarios/songming-2018.yaml", True)]
)
def test_lean_blocks_leave_out_only_what_no_rule_reads(path, reads_hukou):
    """The engine's blocks (``households=False``) skip the 户籍 draws when no rule reads the
    type; every other column is byte for byte the full block's (the draws after it too)."""
    pop = synthesize(simulate.load_scenario(path), size=BLOCK + 90_001, seed=4)
    assert pop.hukou_read is reads_hukou and pop.urban_share is not None
    for b, lean in enumerate(pop.blocks(households=False)):
        full = pop.block(b)
        assert full.hukou is not None and len(lean.household) == 0
        assert (lean.hukou is not None) is reads_hukou
        if reads_hukou:
            assert lean.hukou.tobytes() == full.hukou.tobytes()
        for col in ("identities", "age", "sex", "disability", "village", "enrolled", "timing"):
            assert getattr(lean, col).tobytes() == getattr(full, col).tobytes(), (b, col)


@pytest.mark.parametrize("before", [0, 1, 7, 1000])
def test_skipping_doubles_leaves_the_generator_where_drawing_them_would(before):
    from simulate.model.draws import skip_doubles

    made, skipped = (np.random.Generator(np.random.PCG64(np.random.SeedSequence(9, spawn_key=(3,)))) for _ in "ab")
    for rng in (made, skipped):  # an odd count of uint16 draws leaves half a 32-bit output buffered
        rng.integers(0, 65536, before, dtype=np.uint16)
    made.random(12_345)
    skip_doubles(skipped, 12_345)
    for draw in (
        lambda r: r.integers(0, 65536, 5, dtype=np.uint16),
        lambda r: r.integers(0, 1000, 5),
        lambda r: r.random(3),
    ):
        assert draw(made).tobytes() == draw(skipped).tobytes()
