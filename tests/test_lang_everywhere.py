"""Every refusal, warning and summary line reads in Chinese under ``--lang zh`` and in English
under ``--lang en`` (issue 15 item 5, "Chinese first").

Two nets, so that a new message cannot slip through untranslated:

- every place in simulate/ that raises a user-facing error with an English reason and no zh
  reason of its own (found by reading the source, not by a list kept by hand) is worded through
  lang.yaml ``reasons`` with each ``{value}`` standing in as ``7``, and must come out Chinese;
- every refusal the project tests is run in zh through the command line in this process: the
  whole bad-scenario corpus (tests/bad_scenarios), population files, rosters and mappings,
  workbooks and text files the hostile tests build, argument mistakes, ``--set`` paths, plus
  the warnings and the summary lines of run/roster/sweep-table.

What counts as English is :func:`english_runs`: two or more lower-case English words in a row
once the legitimately Latin parts are taken out: anything quoted (a value the user wrote), file
names, paths, dotted or snake_case names (``tiers[dibao].subsidy``, ``person_id``),
``--options``, abbreviations and names (CSV, YAML, GiB, Excel, WPS), and the ids the scenario
language itself is written in (field names, identity and source ids, timing classes, population,
region and roster-mapping columns), which the user types as they are.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from simulate import lang
from simulate.cli import COMMANDS
from simulate.results.region import COLUMNS as REGION_COLUMNS
from simulate.rosters.mapping import _MAPPING_KEYS, FIELDS
from simulate.vocabulary import IDENTITY_IDS, SOURCE_IDS
from tests.test_lang import run

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "simulate"
SINAN = ROOT / "scenarios" / "sinan-2021.yaml"
BAD = sorted(p for p in (ROOT / "tests" / "bad_scenarios").glob("*.yaml") if not p.name.startswith(("_", "expected")))

CJK = re.compile(r"[\u4e00-\u9fff]")
#: A value the user wrote, quoted by us: '…', "…", “…”, `…`.
QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|“[^”\n]*”|‘[^’\n]*’|`[^`\n]*`")
#: Names, not prose: paths and file names, dotted/snake_case/bracketed names, --options, x=y.
NAME = re.compile(r"[!-~]*[/\\._=<>\[\]{}@#*][!-~]*|--?[A-Za-z][\w-]*")
#: Two lower-case English words in a row (digits, single letters and light punctuation between
#: them do not break a run): a word alone is a key or an id, a capitalised one a name (Excel,
#: WPS, Chromium); two words are prose.
RUN = re.compile(r"(?:\b[A-Za-z]?[a-z]+\b(?:[\s,;:()\-\d.]|\b[A-Za-z]\b)+)+\b[a-z]{2,}\b")


@cache
def scenario_words() -> frozenset[str]:
    """Latin words a zh message may hold because the user writes them so: scenario keys (every
    part of every field path labels.yaml names), identity and source ids, timing classes,
    population columns, roster mapping keys, command names, YAML's literals."""
    words: set[str] = {"true", "false", "none", "null", "regular", "extended", "late", "newborn", "dask", "local"}
    fields = yaml.safe_load((PACKAGE / "labels.yaml").read_text("utf-8"))["fields"]
    for path in fields:  # tiers[].subsidy.percent: tiers, subsidy, percent
        words.update(w for w in re.findall(r"[a-z_]+", path) if "_" not in w)
    words.update(i for i in (*IDENTITY_IDS, *SOURCE_IDS) if "_" not in i)
    words.update(("age", "sex", "village", "identities", "enrolled", "timing", "hukou", "grade"))  # population columns
    words.update(k for k in (*_MAPPING_KEYS, *FIELDS) if "_" not in k)  # roster mapping keys and fields
    words.update(("simulate", *(c.name for c in COMMANDS)))  # a line starts "simulate run: "
    words.update(REGION_COLUMNS)
    return frozenset(words)


def english_runs(text: str) -> list[str]:
    """The runs of English prose in ``text`` (see the module's docstring)."""
    text = NAME.sub(" ", QUOTED.sub(" ", text))
    known = scenario_words()
    text = re.sub(r"\b[a-z]+\b", lambda m: m.group() if m.group() not in known else "·", text)
    return RUN.findall(text)


def test_the_check_finds_prose_and_spares_names():
    assert english_runs("第2行，列 age: must be F or M")
    assert english_runs("p.csv: no header row with a name column")
    assert english_runs("--engine: unknown engine 'dusk'") and english_runs("须为 IDENTITY=N：must be 1")
    assert not english_runs("不支持旧的 Excel 97-2003（.xls）格式：请用 Excel 或 WPS 打开并另存为 .xlsx")
    assert not english_runs("tiers[dibao].subsidy.percent（低保对象 资助比例）: 须在0到100之间（实为150）")
    assert not english_runs("资格条件至少需要以下之一：identity, any, all, not, age, sex, disability_grade, hukou")
    assert not english_runs("文件 'three hundred eighty yuan' 不是金额；见 data/national-standards.csv（GiB）")
    assert not english_runs("须为 'full', 'percent' 或 'none' 之一；--set-file 只接受 .xlsx 或 .csv")


# ----------------------------------------------------------------------------- the source


#: Errors a user sees, and the argument holding their English reason (and the zh one, if any).
RAISED = {
    "SimulateError": (1, "reason_zh"),
    "ScenarioError": (1, "reason_zh"),
    "PopulationError": (1, "reason_zh"),
    "RosterError": (1, None),
    "LeakError": (1, "reason_zh"),
    "PublishError": (1, "reason_zh"),
    "PathError": (1, None),
    "VocabularyError": (1, None),
    "IdentityNameError": (1, None),
    "IdNumberError": (0, 1),
    "ValueError in policy": (0, None),
}
#: Those whose first argument is the place (file, field, row), worded in zh too.
PLACE_FIRST = frozenset(
    ("SimulateError", "ScenarioError", "PopulationError", "RosterError", "LeakError", "PublishError")
)


def _template(node: ast.expr) -> str | None:
    """The text a string, f-string or sum of them makes, each ``{value}`` written as 7 and each
    ``{value!r}`` as '7' (the patterns catch values as ``\\S+``, ``.+?``, quotes or digits)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) else "'7'" if v.conversion == ord("r") else "7" for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _raised(path: Path, node: ast.Call) -> str | None:
    """The RAISED entry ``node`` makes, if it makes one."""
    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    if name == "ValueError" and path.parent.name == "policy":
        name = "ValueError in policy"  # a scenario check: pydantic makes it the field's refusal
    return name if name in RAISED else None


@cache
def _calls() -> tuple[tuple[Path, ast.Call], ...]:
    """Every call in simulate/, with its file (the package is parsed once per session)."""
    return tuple(
        (path, node)
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Call)
    )


@cache
def raised_texts() -> list[tuple[str, str]]:
    """(file:line, English text) of every user-facing error raised in simulate/ with a written
    reason (or place) and no zh text beside it."""
    found = []
    for path, node in _calls():
        name = _raised(path, node)
        if name is None:
            continue
        at, zh = RAISED[name]
        given_zh = {k.arg for k in node.keywords} | ({zh} if isinstance(zh, int) and len(node.args) > zh else set())
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if zh not in given_zh and len(node.args) > at:
            found.append((where, _template(node.args[at])))
        if name in PLACE_FIRST and "where_zh" not in given_zh and node.args:
            found.append((where, _template(node.args[0])))
    return [(w, t) for w, t in found if t]


def test_the_source_scan_sees_the_raise_sites():
    texts = dict(raised_texts())
    assert len(texts) > 150  # the scan reads f-strings, sums and plain strings alike
    assert any("no sheet named '7'" in t for t in texts.values())


def test_every_raised_reason_reads_in_chinese():
    english = [f"{where}: {lang.zh_text(text)}" for where, text in raised_texts() if english_runs(lang.zh_text(text))]
    assert not english, f"{len(english)} reasons stay English under zh:\n" + "\n".join(english)


def test_no_english_reason_is_written_in_chinese():
    """The English text of a raise site is English: Chinese in it is a value, the words a cell
    may hold (``(是/否)``) or an example (``e.g. 某某县``), never the reason itself."""
    chinese = []
    for path, node in _calls():
        name = _raised(path, node)
        for arg in node.args[: RAISED[name][0] + 1] if name else ():
            text = re.sub(r"e\.g\. \S+|\([\u4e00-\u9fff/]+\)", "", QUOTED.sub("", _template(arg) or ""))
            if CJK.search(text):
                chinese.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    assert not chinese, chinese


# ----------------------------------------------------------------------------- the commands

HEADER = "person_id,household_id,village,age,sex,disability_grade,identities,enrolled,timing"
ROW = "p01,h1,塘头镇,40,F,0,,1,regular"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def _zip_without_workbook(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")


#: Population files the project refuses (tests/test_population_*.py, tests/hostile/): name, bytes.
POPULATIONS: dict[str, bytes] = {
    "no_id_column.csv": b"a,b\n1,2\n",
    "misspelt_column.csv": f"{HEADER},disabilty_grade\n{ROW},0\n".encode(),
    "missing_age.csv": f"{HEADER.replace('age,', '')}\np01,h1,x,F,0,,1,regular\n".encode(),
    "column_twice.csv": f"{HEADER.replace('sex,', 'sex,sex,')}\np01,h1,x,40,F,F,0,,1,regular\n".encode(),
    "birth_date.csv": "人员编号,出生日期,性别\np1,1950-04-12,男\n".encode(),
    "village_twice.csv": "人员编号,户编号,村（社区）,村,年龄,性别\np1,h1,甲村,甲村,40,女\n".encode(),
    "age_text.csv": f"{HEADER}\np01,h1,x,abc,F,0,,1,regular\n".encode(),
    "age_circled.csv": f"{HEADER}\np01,h1,x,①,F,0,,1,regular\n".encode(),
    "age_negative.csv": f"{HEADER}\np01,h1,x,-1,F,0,,1,regular\n".encode(),
    "age_200.csv": f"{HEADER}\np01,h1,x,200,F,0,,1,regular\n".encode(),
    "sex.csv": f"{HEADER}\np01,h1,x,40,X,0,,1,regular\n".encode(),
    "grade.csv": f"{HEADER}\np01,h1,x,40,F,7,,1,regular\n".encode(),
    "enrolled.csv": f"{HEADER}\np01,h1,x,40,F,0,,yes,regular\n".encode(),
    "timing.csv": f"{HEADER}\np01,h1,x,40,F,0,,1,early\n".encode(),
    "hukou.csv": f"{HEADER},hukou\np01,h1,x,40,F,0,,1,regular,city\n".encode(),
    "identity.csv": f"{HEADER}\np01,h1,x,40,F,0,rural_dibo,1,regular\n".encode(),
    "identity_zh.csv": f"{HEADER}\np01,h1,x,40,F,0,特因人员,1,regular\n".encode(),
    "identity_either.csv": f"{HEADER}\np01,h1,x,40,F,0,低保,1,regular\n".encode(),
    "fields.csv": f"{HEADER}\np01,h1,x,40,F,0,,1\n".encode(),
    "duplicate.csv": f"{HEADER}\n{ROW}\n{ROW}\n".encode(),
    "no_rows.csv": f"{HEADER}\n".encode(),
    "nul.csv": HEADER.encode() + b"\n\xff\xfe\x00\x81\x00\n",
    "utf16.csv": f"{HEADER}\n{ROW}\n".encode("utf-16-le"),
    "big5.csv": f"{HEADER}\np1,h1,思南縣塘頭鎮青杠壩村,40,F,0,,1,regular\n".encode("big5"),
    "wide.csv": (",".join(f"c{i}" for i in range(70)) + "\n").encode(),
    "broken.parquet": b"PAR1 not really",
    "old.xlsx": OLE + "Workbook".encode("utf-16-le") + b"\0" * 2000,
    "locked.xlsx": OLE + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2000,
    "page.xlsx": b"<html><body><table><tr><td>1</td></tr></table></body></html>",
    "text.xlsx": b"path,value\ncontribution.personal,400\n",
    "noise.xlsx": bytes(range(256)) * 4,
}

#: Rosters and roster mappings the project refuses (tests/test_roster*.py, tests/hostile/).
ROSTERS: dict[str, bytes] = {
    "no_header.csv": b"a,b\n1,2\n",
    "no_category.csv": "姓名,身份证号\n王建国,11010519491231002X\n".encode(),
    "old.xls": OLE + "Workbook".encode("utf-16-le") + b"\0" * 2000,
    "binary.csv": b"\xff\xfe\xfd\x00\x81" * 40,
    "text.xlsx": b"path,value\ncontribution.personal,400\n",
    "notes.txt": "姓名,身份证号\n".encode(),
}
MAPPINGS: dict[str, str] = {
    "unknown_key": "categorys: {低保: [rural_dibao]}\n",
    "unknown_field": "columns: {phone: [电话]}\n",
    "aliases_not_text": "columns: {name: {a: b}}\n",
    "unknown_identity": "categories: {低保: [dibao]}\n",
    "default_identity": "default_identity: poor\n",
    "not_a_mapping": "- a\n- b\n",
    "unclosed": "columns: [\n",
    "extends": "extends: mine\n",
    "either_one": "either: {低保: [rural_dibao]}\n",
    "sheet": "sheet: [1]\n",
    "allow": "allow_no_identity: maybe\n",
}

#: Command lines the project refuses (argument mistakes, --set, explain, analyses); {s} is a scenario.
COMMAND_LINES: list[str] = [
    "run {s} --size abc",
    "run {s} --size -3",
    "run {s} --workers 0",
    "run {s} --engine dusk",
    "run {s} --set nosuch.key=1",
    "run {s} --set tiers.nosuch.amount=1",
    "run {s} --set contribution.personal.x=1",
    "run {s} --set contribution.personal=",
    "run {s} --set =400",
    "run {s} --set contribution..personal=400",
    "run {s} --count rural_dibao=x",
    "run {s} --sizes 10",
    "frobnicate {s}",
    "explain {s} --identity 不存在",
    "explain {s} --identity nosuch",
    "explain {s} --identity 低保",
    "explain {s} --timing late --paid-on 2021-01-01",
    "explain {s} --event newborn",
    "explain {s} --event-date 2021-01-01",
    "explain {s} --grade nosuch",
    "explain {s} --age 200",
    "explain {s} --paid-on 2021-02-30",
    "sweep-table {s} --param contribution.personal --values 1 --range 1:2:1",
    "sweep-table {s} --param contribution.personal --range 1:2:0.001",
    "sweep-table {s} --param contribution.personal --range 1:2:0",
    "sweep-table {s} --param contribution.personal --values nan",
    "sweep-table {s} --param contribution.personal --values 三百",
    "sweep-table {s} --param contribution.personal --range 1:100000:1",
    "sweep-table {s} --param nosuch.path --values 1",
    "sweep-table {s} --param contribution.personal --values 1 --chart {d}/c.svg",
    "solve {s} --param contribution.personal --source county_finance --budget inf --lo 0 --hi 400",
    "solve {s} --param contribution.personal --source county_finance --budget 1 --lo 10 --hi 5",
    "solve {s} --param contribution.personal --source county_finance --budget 1 --lo 0 --hi 400 --step 0.001",
    "solve {s} --param contribution.personal --source county_finance --budget 1 --lo 0 --hi 4 --step 1000",
    "solve {s} --param contribution.personal --source nosuch --budget 1 --lo 0 --hi 400",
    "solve {s} --param contribution.personal --source county_finance --budget 1 --lo 0 --hi 4 --size 300",
    "roster {s} {d}/nosuch.csv --out {d}/out --as-of 2020-02-30",
    "roster {s} {d}/nosuch.csv --out {d}/out",
    "region {d}/nosuch.csv",
    "compare {s}",
    "multiyear {s} --years 99",
    "multiyear {s} --ageing 2",
    "montecarlo {s} --vary rural_dibao=2:3",
    "montecarlo {s} --vary rural_dibao=0.5:0.1",
    "montecarlo {s} --vary nosuch=0.1:0.2",
    "montecarlo {s} --draws 0",
    "examples --out {s}",
    "validate {d}/nosuch.yaml",
    "validate {d}",
]


def _zh(argv: list[str]) -> tuple[int, str, str]:
    """``simulate ARGV --lang zh`` in this process: exit code, stdout, stderr."""
    return run([*argv, "--lang", "zh"])


def _refusal_is_chinese(argv: list[str]) -> str:
    """The refusal of ``argv``: one line, exit 2, in Chinese under zh; under en the same refusal
    has English words of its own (not a zh-only reason an English reader would be lost in)."""
    code, _, err = _zh(argv)
    assert code == 2 and err.count("\n") == 1, (argv, code, err)  # one line, exit 2: unchanged
    assert CJK.search(err) and not english_runs(err), err
    code, _, en = run([*argv, "--lang", "en"])
    assert code == 2 and en.count("\n") == 1, (argv, code, en)
    reason = NAME.sub(" ", QUOTED.sub(" ", en.split(": ", 1)[1]))
    assert len(re.findall(r"\b[a-z]{2,}\b", reason)) >= 2, en
    return err


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_every_bad_scenario_is_refused_in_chinese(path):
    code, _, err = _zh(["validate", str(path)])
    assert code == 2
    for line in err.splitlines():  # validate lists every problem, one line each
        assert CJK.search(line) and not english_runs(line), line


@pytest.mark.parametrize("name", POPULATIONS)
def test_every_bad_population_file_is_refused_in_chinese(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(POPULATIONS[name])
    _refusal_is_chinese(["run", str(SINAN), "--population", str(path)])


@pytest.mark.parametrize("name", ROSTERS)
def test_every_bad_roster_is_refused_in_chinese(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(ROSTERS[name])
    _refusal_is_chinese(["roster", str(SINAN), str(path), "--out", str(tmp_path / "out")])


@pytest.mark.parametrize("name", MAPPINGS)
def test_every_bad_mapping_is_refused_in_chinese(tmp_path, name):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPINGS[name], "utf-8")
    roster = ROOT / "tests" / "rosters" / "minzheng_dibao.csv"
    _refusal_is_chinese(["roster", str(SINAN), str(roster), "--mapping", str(mapping), "--out", str(tmp_path / "o")])


SHEETS = ["old.xlsx", "locked.xlsx", "page.xlsx", "text.xlsx", "noise.xlsx", "zip.xlsx", "x.ods"]


@pytest.mark.parametrize("name", SHEETS)
def test_every_bad_overrides_sheet_is_refused_in_chinese(tmp_path, name):
    path = tmp_path / name
    if name == "zip.xlsx":
        _zip_without_workbook(path)
    else:
        path.write_bytes(POPULATIONS.get(name, b"path,value\n"))
    _refusal_is_chinese(["run", str(SINAN), "--set-file", str(path)])


@pytest.mark.parametrize("line", COMMAND_LINES)
def test_every_command_line_mistake_is_refused_in_chinese(tmp_path, line):
    _refusal_is_chinese(line.format(s=SINAN, d=tmp_path).split())


# ----------------------------------------------------------------------------- what commands say


def _chinese_lines(text: str) -> None:
    for line in text.splitlines():
        assert not english_runs(line), line


def test_summaries_and_warnings_of_run_roster_sweep_and_examples_are_chinese(tmp_path):
    code, out, err = _zh(["run", str(SINAN), "--size", "500"])
    assert code == 0 and CJK.search(out)
    _chinese_lines(out + err)
    people = ROOT / "tests" / "fixtures" / "sinan-hand-count-zh.csv"  # has columns run does not use
    code, out, err = _zh(["run", str(SINAN), "--population", str(people)])
    assert code == 0 and "以下列未使用" in err
    _chinese_lines(out + err)
    rosters = ROOT / "tests" / "rosters"
    daligang = ROOT / "scenarios" / "daligang-2020.yaml"
    files = [str(p) for p in sorted(rosters.glob("*")) if p.suffix in (".csv", ".xlsx")]
    code, out, err = _zh(
        ["roster", str(daligang), *files, "--mapping", str(rosters / "mapping.yaml"), "--out", str(tmp_path / "b")]
    )
    assert code == 0 and "剔除记录" in out  # the rejected rows and their reasons, in Chinese
    _chinese_lines(out + err)
    code, out, err = _zh(
        ["sweep-table", str(SINAN), "--size", "300", "--param", "contribution.personal", "--values", "300,400"]
    )
    assert code == 0 and CJK.search(out)
    _chinese_lines(out + err)
    for argv in (["examples"], ["examples", "--out", str(tmp_path / "ex")]):
        code, out, err = _zh(argv)
        assert code == 0 and CJK.search(out)
        _chinese_lines(out + err)


def test_a_warning_of_validate_is_chinese(tmp_path):
    base = (ROOT / "tests" / "bad_scenarios" / "_valid_base.yaml").read_text("utf-8")
    old = "area: {residents: 1000, source: example}"
    assert old in base
    path = tmp_path / "warn.yaml"
    path.write_text(base.replace(old, "area: {residents: 1000, source: example, villages_file: v.csv}"), "utf-8")
    code, _, err = _zh(["validate", str(path)])
    assert code == 0 and "警告" in err
    _chinese_lines(err)


def test_last_words_of_a_command_are_chinese(monkeypatch):
    """A bug of ours (exit 3), Ctrl-C (exit 130) and a PDF that could not be printed: the frame
    of the line is Chinese; what the bug said stays as it was, in its parentheses."""
    import simulate.cli as cli
    from simulate.report import pdf

    def crash(args):
        raise RuntimeError("boom")

    def interrupt(args):
        raise KeyboardInterrupt

    for handler, code, start in ((crash, 3, "内部错误（RuntimeError: boom）"), (interrupt, 130, "已中断；")):
        monkeypatch.setattr(cli, "_handler", lambda command, program, h=handler: h)
        got, _, err = _zh(["validate", str(SINAN)])
        assert got == code and err.startswith(f"simulate validate: {start}"), err
        _chinese_lines(err)
    monkeypatch.setenv(pdf.ENV, "off")
    why = pdf.find_chromium()[1]
    assert why and CJK.search(lang.zh_text(why)) and not english_runs(lang.zh_text(why))


@pytest.mark.parametrize(
    "rows",
    [
        "county,scenario\n甲县,x.yaml\n",
        "county,scenario,population,extra\n甲县,x.yaml,10,1\n",
        "county,scenario,population\n甲县,,10\n",
        "county,scenario,population\n甲县,nosuch.yaml,10\n",
        "county,scenario,population\n甲县,{bad},10\n",
        "county,scenario,population\n甲县,{good},①\n",
        "county,scenario,population\n甲县,{good},0\n",
        "county,scenario,population\n甲县,{good},10\n甲县,{good},10\n",
        "county,scenario,population\n甲县,{good},{people}\n",
    ],
)
def test_every_bad_region_file_is_refused_in_chinese(tmp_path, rows):
    people = tmp_path / "people.csv"
    people.write_bytes(POPULATIONS["sex.csv"])
    bad = ROOT / "tests" / "bad_scenarios" / "percent_above_100.yaml"
    path = tmp_path / "region.csv"
    path.write_text(rows.format(bad=bad, good=SINAN, people=people), "utf-8")
    err = _refusal_is_chinese(["region", str(path)])
    if "{bad}" in rows:  # the scenario's own zh line, with the field's Chinese name
        assert "（低保对象 资助比例）: 须在0到100之间（实为150）" in err, err


def test_why_a_place_cannot_be_written_is_chinese():
    """The reasons a folder cannot be written (report.folder_guard.REASONS, from errno), in
    every message that carries one."""
    from simulate.report.folder_guard import REASONS

    for why in REASONS.values():
        for line in (f"cannot write the output here: {why}", f"cannot create its folder: {why}"):
            assert CJK.search(lang.zh_text(line)) and not english_runs(lang.zh_text(line)), (line, lang.zh_text(line))


def test_what_new_and_the_policy_workbook_say_is_in_the_language_asked(tmp_path):
    """``simulate new``, ``policy-to-excel`` and ``policy-from-excel`` say what they wrote in
    Chinese under zh and in English under en (not Chinese only: an English reader is lost)."""
    for language in ("zh", "en"):
        out = tmp_path / language
        out.mkdir()
        scenario, book, again = out / "new.yaml", out / "new.xlsx", out / "again.yaml"
        said = ""
        for argv in (
            ["new", "--county", "某某县", "--year", "2030", "--out", str(scenario)],  # after the national table
            ["policy-to-excel", str(scenario), "--out", str(book)],
            ["policy-from-excel", str(book), "--out", str(again)],
        ):
            code, stdout, _ = run([*argv, "--lang", language])
            assert code == 0, argv
            said += stdout
        if language == "zh":
            _chinese_lines(said)
        else:
            assert not CJK.search(NAME.sub(" ", said)), said


def test_a_missing_column_is_named_with_the_chinese_headings_a_county_file_uses(tmp_path):
    """The columns a population file may have, by their Chinese headings (the English name
    beside each), from the header reader through a run's per-file tally to the one line."""
    path = tmp_path / "p.csv"
    path.write_bytes(POPULATIONS["no_id_column.csv"])
    err = _refusal_is_chinese(["run", str(SINAN), "--population", str(path)])
    assert "缺少必需的列（人员编号 或 person_id）；应有的列：人员编号（person_id）、户编号（household_id）、" in err, (
        err
    )


def test_validate_says_every_shipped_scenario_is_valid_in_chinese_with_its_warnings():
    """``simulate validate --assumptions`` over every shipped scenario: the verdicts, the
    warnings of fields not used and the assumptions, all in Chinese."""
    code, out, err = _zh(["validate", "--assumptions", *map(str, sorted((ROOT / "scenarios").glob("*.yaml")))])
    assert code == 0 and out.count("有效（") == len(list((ROOT / "scenarios").glob("*.yaml")))
    _chinese_lines(out + err)
