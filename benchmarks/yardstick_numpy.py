"""The plain-numpy yardstick (issue 16 item 5): the 思南 2021 rules (scenarios/sinan-2021.yaml)
written out by hand, the least a numpy program does for N synthetic persons.

Identity flags are drawn per person at fixed shares (the rates of data/synthetic-rates.csv,
participation 95 %, 1 % late payers), the tier is resolved by masks in priority order
(highest benefit, document order on ties: 七, 多重身份就高), and people are counted with
``np.bincount`` by (tier, late) and multiplied by a hand-written table of fen by source.
Blocks of 2**20 persons keep memory flat. No project code is imported: the whole process
(python start, numpy import, draw, resolve, tally, print) is the figure the engine's
``simulate run`` is compared with (benchmarks/bench_yardstick.py).

    python benchmarks/yardstick_numpy.py 50000000 [SEED]
"""

import sys

import numpy as np

BLOCK = 1 << 20
# identity shares per person (data/synthetic-rates.csv; household rates taken per person)
SHARES = {
    "registered_poor": 0.07,
    "urban_dibao": 0.0066,
    "rural_dibao": 0.0355,
    "low_income_family": 0.015,
    "seriously_ill": 0.005,
    "fp_special": 0.002,
    "fp_two_households": 0.05,
    "orphan": 0.00065,
    "destitute": 0.0035,
    "downsized_1960s": 0.002 * 0.03,  # rate among the 75+, about 3 % of persons
    "psychiatric_offender": 0.0002,
    "priority_entitled": 0.006,
}
GRADE_CUTS = np.cumsum([0.0024, 0.0040, 0.0040, 0.0056]).astype(np.float32)  # grades 1..4
PARTICIPATION, LATE = np.float32(0.95), np.float32(0.01)

SOURCES = ("individual", "medical_assistance", "county_finance", "veterans_affairs", "unspecified_government")
TIERS = (
    "general",
    "registered_poor",
    "dibao",
    "low_income_vulnerable",
    "family_planning",
    "civil_affairs_full",
    "priority_entitled",
    "severe_disability",
    "moderate_disability",
)
# fen per enrolled person by source, [tier][0 = in the period, 1 = late]; 三(一), 三(二), 三(三),
# 七(一)-(五), 八(三): late payers pay 830 yuan without subsidy except the year-round tiers
LATE_830 = (83000, 0, 0, 0, 0)
PAY = np.array(
    [
        [(28000, 0, 0, 0, 0), LATE_830],
        [(14000, 0, 0, 0, 14000)] * 2,  # year round
        [(16000, 12000, 0, 0, 0), LATE_830],
        [(23000, 5000, 0, 0, 0), LATE_830],
        [(0, 0, 0, 0, 28000)] * 2,  # year round
        [(0, 28000, 0, 0, 0)] * 2,  # year round
        [(0, 0, 0, 28000, 0), LATE_830],
        [(0, 5000, 23000, 0, 0), LATE_830],
        [(0, 0, 28000, 0, 0), LATE_830],
    ],
    np.int64,
).reshape(len(TIERS) * 2, len(SOURCES))
# highest benefit first (least the person pays), document order on ties
ORDER_ON_TIME = (4, 5, 6, 7, 8, 1, 2, 3)
ORDER_LATE = (4, 5, 1, 2, 3, 6, 7, 8)


def block(rng: np.random.Generator, n: int) -> np.ndarray:
    """Counts of enrolled persons by (tier, late) for ``n`` freshly drawn persons."""
    f = {k: rng.random(n, dtype=np.float32) < np.float32(p) for k, p in SHARES.items()}
    age = rng.integers(0, 100, n, dtype=np.uint8)
    grade = np.searchsorted(GRADE_CUTS, rng.random(n, dtype=np.float32), side="right").astype(np.uint8) + 1
    grade[grade == 5] = 0
    enrolled = rng.random(n, dtype=np.float32) < PARTICIPATION
    late = rng.random(n, dtype=np.float32) < LATE
    severe = (grade == 1) | (grade == 2)
    masks = {
        1: f["registered_poor"],
        2: f["urban_dibao"] | f["rural_dibao"],
        3: f["low_income_family"] & ((age >= 60) | (age <= 17) | severe | f["seriously_ill"]),
        4: f["fp_special"] | f["fp_two_households"],
        5: f["orphan"] | f["destitute"] | f["downsized_1960s"] | f["psychiatric_offender"],
        6: f["priority_entitled"],
        7: severe,
        8: (grade == 3) | (grade == 4),
    }
    tier = np.zeros(n, np.uint8)
    for k in reversed(ORDER_ON_TIME):
        tier[masks[k]] = k
    lt = np.flatnonzero(late)
    tier_late = np.zeros(lt.shape[0], np.uint8)
    for k in reversed(ORDER_LATE):
        tier_late[masks[k][lt]] = k
    tier[lt] = tier_late
    key = tier.astype(np.intp) * 2 + late
    return np.bincount(key[enrolled], minlength=len(TIERS) * 2)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000_000
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    counts = np.zeros(len(TIERS) * 2, np.int64)
    for start in range(0, n, BLOCK):
        counts += block(rng, min(BLOCK, n - start))
    fen = counts @ PAY
    print(f"persons {n:,}, enrolled {int(counts.sum()):,}")
    for s, v in zip(SOURCES, fen, strict=True):
        print(f"{s:<24} {int(v) // 100:>16,} yuan")


if __name__ == "__main__":
    main()
