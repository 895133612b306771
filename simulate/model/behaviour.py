"""Behavioural response: fewer people enroll when what they must pay after subsidy rises.

No measured participation elasticity exists for resident insurance (DOMAIN.md, "National
standards"); the scenario's optional ``behaviour`` section states a curve and cites it. The
default is no response. With ``model: logistic`` the share who would enroll at a payment of
``x`` yuan is ``P(x) = 1 / (1 + exp(slope * (x - midpoint)))``. The synthetic participation
rates are read as observed at ``reference_yuan``, so an enrolled person whose tier makes them
pay ``x`` yuan in the collection period stays enrolled with probability
``min(1, P(x) / P(reference))``: a thinning, never an addition. People in the
full-participation (hardship) groups of ``data/participation-defaults.csv`` do not respond.

The draws come from a generator per block, ``SeedSequence(seed, spawn_key=(block, 1))``, so a
result does not depend on how blocks are grouped into chunks or spread over workers.

Calibration of :data:`STUDY_2026`: participation 95% (the synthetic default) at 380 yuan and
90% at 450 yuan (the 2026 simulation study's threshold) give
``slope = (logit 0.95 - logit 0.90) / 70 = 0.010674`` per yuan and
``midpoint = 450 + logit(0.90) / slope = 655.85`` yuan.

>>> import numpy as np
>>> from simulate.policy import Behaviour
>>> b = Behaviour(model="logistic", source="example", **STUDY_2026)
>>> [round(float(p), 3) for p in participation(b, np.array([380.0, 450.0]))]
[0.95, 0.9]
>>> [round(float(r), 3) for r in retention_of_payment(b, np.array([0.0, 380.0, 450.0]))]
[1.0, 1.0, 0.947]
"""

from __future__ import annotations

import numpy as np

from ..policy import Behaviour, Policy

#: Logistic parameters matching the 2026 simulation study quoted in DOMAIN.md (yuan).
STUDY_2026 = {"midpoint_yuan": 655.85, "slope_per_yuan": 0.010674, "reference_yuan": 380.0}
STUDY_2026_SOURCE = (
    "DOMAIN.md, National standards: a 2026 simulation study finds participation "
    "below 90% once the personal contribution exceeds 450 yuan; calibrated to 95% "
    "at 380 yuan and 90% at 450 yuan"
)


def participation(behaviour: Behaviour, pay_yuan: np.ndarray) -> np.ndarray:
    """Share (0–1) who would enroll when paying ``pay_yuan`` yuan; all ones for ``none``."""
    x = np.asarray(pay_yuan, dtype=np.float64)
    if behaviour.model == "none":
        return np.ones_like(x)
    slope, midpoint = behaviour.slope_per_yuan, behaviour.midpoint_yuan
    if slope is None or midpoint is None:  # the schema requires both for a logistic model
        raise ValueError("a logistic behaviour needs slope_per_yuan and midpoint_yuan")
    z = slope * (x - midpoint)
    share: np.ndarray = 1.0 / (1.0 + np.exp(np.clip(z, -700, 700)))
    return share


def retention_of_payment(behaviour: Behaviour, pay_yuan: np.ndarray) -> np.ndarray:
    """Probability (0–1) that an enrolled person paying ``pay_yuan`` yuan stays enrolled."""
    x = np.asarray(pay_yuan, dtype=np.float64)
    if behaviour.model == "none":
        return np.ones_like(x)
    ref = participation(behaviour, np.array([behaviour.reference_yuan]))[0]
    kept: np.ndarray = np.minimum(1.0, participation(behaviour, x) / ref)
    return kept


def tier_retention(policy: Policy, pays: np.ndarray) -> np.ndarray | None:
    """Retention per tier [T] from what each tier's person pays in the collection period.

    ``pays`` is the compiled ``PolicyTables.pays`` (fen, [T, timing, source]); None when the
    scenario has no behavioural response, so the engine skips the step entirely.
    """
    if policy.behaviour.model == "none":
        return None
    individual_yuan = pays[:, 0, 0] / 100.0  # timing 0 = regular, source 0 = individual
    return retention_of_payment(policy.behaviour, individual_yuan)


def behaviour_rng(seed: int, block: int) -> np.random.Generator:
    """The generator for block ``block``'s responses (independent of the population's draws)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, 1))))
