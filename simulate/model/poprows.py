"""The per-row contract of a person-level file (DESIGN.md columns): the header check and
one record's values, or the one-line error naming its row, column and reason. Every faster
path (:mod:`.popfast`, :mod:`.popstream`) must give the same values and the same errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..errors import PopulationError
from ..io import safeio
from ..io.headers import identity_problem
from ..io.idmask import mask_ids_in_text
from ..numtext import ascii_digits, shorten, whole_from_text
from ..policy.rules import HUKOU_CODE
from ..policy.subsidy import TIMINGS
from ..vocabulary import ACTIVE

TIMING_CODE = {t: i for i, t in enumerate(TIMINGS)}
CSV_COLUMNS = (
    "person_id",
    "household_id",
    "village",
    "age",
    "sex",
    "disability_grade",
    "identities",
    "enrolled",
    "timing",
    "hukou",
    "grade",
)
_REQUIRED = ("person_id", "age", "sex")
#: 户籍 type as written in a population file (empty: not recorded).
HUKOU_WORDS = {
    "": "",
    "rural": "rural",
    "urban": "urban",
    "农村": "rural",
    "城镇": "urban",
    "农业": "rural",
    "非农业": "urban",
}


def check_header(reader: Iterator[list[str]], where: str) -> list[str]:
    """The header record, checked: required columns present, none unknown or twice."""
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise PopulationError(where, "file is empty") from None
    missing = [c for c in _REQUIRED if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing:
        raise PopulationError(
            f"{where}: row 1 (header), column {missing[0]}",
            f"required column is missing; expected {', '.join(CSV_COLUMNS)}",
        )
    if unknown:
        raise PopulationError(
            f"{where}: row 1 (header), column {unknown[0]}", f"unknown column; expected {', '.join(CSV_COLUMNS)}"
        )
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise PopulationError(f"{where}: row 1 (header), column {dup[0]}", "column appears twice")
    return header


def village_name(text: str, v_index: dict[str, int], v_ids: list[str], fixed: bool, where: str) -> str:
    """A row's village as a key of ``v_index``; a new one is added unless the scenario's
    villages are fixed (then it is refused), up to ``safeio.MAX_VILLAGES``."""
    vname = mask_ids_in_text(text) or "(none)"  # an ID typed as a village
    if vname not in v_index:
        if fixed:
            raise PopulationError(where, f"unknown village {vname!r} for this scenario")
        if len(v_ids) >= safeio.MAX_VILLAGES:  # the village index is 16-bit
            raise PopulationError(
                where, f"more than {safeio.MAX_VILLAGES:,} different villages, the limit for one population file"
            )
        v_index[vname] = len(v_ids)
        v_ids.append(vname)
    return vname


def _age(age_t: str, err: Callable[[str, str], PopulationError]) -> int:
    """The age column as whole years 0-130, or the error ``err`` builds for the row."""
    # decimal digits only: full-width ４５ is 45; ①, ² or 5,000 digits are refused (str.isdigit
    # accepts ①, which int() then cannot read)
    try:
        age = whole_from_text(age_t, "a whole number of years")
    except ValueError as exc:
        raise err("age", f"{exc} (0-130)") from None
    if not 0 <= age <= 130:
        raise err("age", f"not a whole number of years 0-130: {shorten(age_t)!r}")
    return age


def _identity_mask(text: str, err: Callable[[str, str], PopulationError]) -> int:
    """The identities column (split on ; or ；) as a bit mask of the active vocabulary."""
    mask = 0
    for ident in text.replace("；", ";").split(";"):
        ident = ident.strip()
        if not ident:
            continue
        found = ACTIVE.get().identity_of_text(ident)
        if found is None:
            raise err("identities", identity_problem(ident))  # with the nearest names (io.headers)
        mask |= 1 << ACTIVE.get().identity_bit[found]
    return mask


def parse_row(row: Sequence[str], col: dict[str, int], n: int, where: str, width: int) -> dict[str, Any]:
    """One record as values (the contract every faster path must match), or the
    :class:`PopulationError` naming row ``n``, the column and the reason."""

    def err(column: str, reason: str) -> PopulationError:
        return PopulationError(f"{where}: row {n}, column {column}", reason)

    if len(row) != width:
        raise PopulationError(f"{where}: row {n}", f"has {len(row)} fields, the header has {width}")

    def get(name: str) -> str:
        return row[col[name]].strip() if name in col else ""

    pid = get("person_id")
    if not pid:
        raise err("person_id", "empty")
    age = _age(get("age"), err)
    sex_t = get("sex").upper()
    if sex_t not in ("F", "M", "女", "男"):
        raise err("sex", f"must be F or M: {shorten(get('sex'))!r}")
    dis_t = ascii_digits(get("disability_grade")) or "0"
    if dis_t not in ("0", "1", "2", "3", "4"):
        raise err("disability_grade", f"must be 0 (none) to 4: {shorten(dis_t)!r}")
    mask = _identity_mask(get("identities"), err)
    enr_t = ascii_digits(get("enrolled")) or "1"
    if enr_t not in ("0", "1"):
        raise err("enrolled", f"must be 1 or 0: {shorten(enr_t)!r}")
    tim_t = get("timing") or "regular"
    if tim_t not in TIMING_CODE:
        raise err("timing", f"must be one of {', '.join(TIMINGS)}: {shorten(tim_t)!r}")
    huk_t = HUKOU_WORDS.get(get("hukou").lower())
    if huk_t is None:
        raise err("hukou", f"must be rural or urban (农村/城镇), or empty: {shorten(get('hukou'))!r}")
    return {
        "pid": pid,
        "hh": get("household_id"),
        "vil": get("village"),
        "age": age,
        "sex": 0 if sex_t in ("F", "女") else 1,
        "dis": int(dis_t),
        "ids": mask,
        "enr": enr_t == "1",
        "tim": TIMING_CODE[tim_t],
        "hukou": HUKOU_CODE[huk_t],
        "grade": get("grade"),  # checked against the scenario's grades by the engine (model.standards)
    }
