"""Chinese first (issue 15 item 5): the language is decided once (--lang, then the locale), help
and argparse's messages follow it, ``simulate validate`` lists every problem of a file with the
field's Chinese name, and YAML slips are explained as such."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from simulate import lang
from simulate.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "tests" / "bad_scenarios" / "_valid_base.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")


def run(argv: list[str]) -> tuple[int, str, str]:
    """``simulate ARGV`` in this process: exit code, stdout, stderr (help exits are caught)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def base_with(old: str, new: str) -> str:
    text = BASE.read_text("utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


# ----------------------------------------------------------------------------- the decision


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.GB18030", "LANG": "en_US.UTF-8"}, "zh"),  # LC_ALL wins
        ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # then LC_MESSAGES
        ({"LC_ALL": "", "LANG": "fr_FR.UTF-8"}, "en"),  # another language: English
        ({"LANG": "C.UTF-8"}, "zh"),  # names no language: the users' language
        ({"LANG": "POSIX"}, "zh"),
        ({}, "zh"),
    ],
)
def test_locale_decides_when_no_flag(env, expected):
    assert lang.decide(None, env) == expected
    other = "en" if expected == "zh" else "zh"
    assert lang.decide(other, env) == other  # --lang beats the locale


def test_flag_is_found_anywhere_on_the_line():
    assert lang.flag_in(["validate", "x.yaml", "--lang", "en"]) == "en"
    assert lang.flag_in(["--lang=zh", "run"]) == "zh"
    assert lang.flag_in(["run", "--", "--lang", "en"]) is None
    assert lang.flag_in(["run", "--lang", "fr"]) is None


def test_locale_reaches_a_real_command():
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "SIMULATE_DEBUG")}
    bad = ROOT / "tests" / "bad_scenarios" / "percent_above_100.yaml"
    cmd = [sys.executable, "-m", "simulate", "validate", str(bad)]
    zh = subprocess.run(cmd, capture_output=True, text=True, env={**env, "LANG": "zh_CN.UTF-8"}, cwd=ROOT)
    en = subprocess.run(cmd, capture_output=True, text=True, env={**env, "LANG": "en_US.UTF-8"}, cwd=ROOT)
    assert zh.returncode == en.returncode == 2
    assert zh.stderr == f"{bad}: tiers[dibao].subsidy.percent（低保对象 资助比例）: 须在0到100之间（实为150）\n"
    assert en.stderr == f"{bad}: tiers[dibao].subsidy.percent: percent must be between 0 and 100 (got 150)\n"


# ----------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_every_help_text_is_chinese_under_zh_and_english_under_en(command):
    zh, en = build_parser("zh")[1][command], build_parser("en")[1][command]
    assert CJK.search(zh.description or "") and en.description == next(c.help for c in COMMANDS if c.name == command)
    assert zh.epilog.startswith("示例：\n") and en.epilog.startswith("example:\n")
    for a_zh, a_en in zip(zh._actions, en._actions):
        assert a_zh.dest == a_en.dest
        assert CJK.search(a_zh.help or ""), (command, a_zh.dest, a_zh.help)
        assert a_zh.help != a_en.help, (command, a_zh.dest)
    text = zh.format_help()
    assert text.startswith("用法：simulate " + command) and "选项:" in text
    assert en.format_help().startswith("usage: simulate " + command)


def test_top_level_help_in_both_languages():
    code, out, _ = run(["--help", "--lang", "zh"])
    assert code == 0 and out.startswith("用法：simulate") and "检查情景文件" in out
    code, out, _ = run(["--help", "--lang", "en"])
    assert code == 0 and out.startswith("usage: simulate") and "check scenario files" in out


def test_lang_before_the_command_works_too():
    code, _, err = run(["--lang", "en", "explain", "no-such.yaml"])
    assert code == 2 and "no such file" in err
    code, _, err = run(["--lang", "zh", "explain", "no-such.yaml"])
    assert code == 2 and "文件不存在" in err


def test_lang_is_accepted_by_every_command_and_reaches_the_handler():
    for c in COMMANDS:
        flags = {s for a in build_parser("en")[1][c.name]._actions for s in a.option_strings}
        assert "--lang" in flags, c.name
    parser = build_parser("zh")[0]
    assert parser.parse_args(["explain", "x.yaml"]).lang == "zh"  # the decided language
    assert parser.parse_args(["explain", "x.yaml", "--lang", "en"]).lang == "en"
    assert build_parser("en")[0].parse_args(["new"]).lang == "en"


@pytest.mark.parametrize(
    "argv, zh, en",
    [
        (["vaildate", "x.yaml"], "无效的选择 'vaildate'", "invalid choice: 'vaildate'"),
        (["run", "x.yaml", "--sedd", "3"], "无法识别的参数：--sedd 3（是否应为 --seed？）", "did you mean --seed?"),
        (["run"], "缺少必需的参数：SCENARIO", "the following arguments are required: SCENARIO"),
        (["explain", "x.yaml", "--age", "200"], "参数 --age：年龄须在0到130之间（实为200）", "age must be between"),
        (
            ["explain", "x.yaml", "--paid-on", "2020-13-01"],
            "须为日期 YYYY-MM-DD（实为'2020-13-01'）",
            "expected a date",
        ),
        (["run", "x.yaml", "--population", "p.csv", "--size", "3"], "不能与参数 --population 同时使用", "not allowed"),
    ],
)
def test_argparse_messages_follow_the_language(argv, zh, en):
    code, _, err = run(argv + ["--lang", "zh"])
    assert code == 2 and err.count("\n") == 1 and zh in err and "（见 simulate" in err, err
    code, _, err = run(argv + ["--lang", "en"])
    assert code == 2 and err.count("\n") == 1 and en in err and "(see simulate" in err, err


# ----------------------------------------------------------------------------- every problem at once

THREE_PROBLEMS = [
    ("personal: 380", "personal: -5"),
    (
        "{form: fixed_subsidy, source: medical_assistance, amount: 342}",
        "{form: percent, source: medical_assistance, percent: 150}",
    ),
    ("overall_percent: 100", "overall_percent: 100, colour: red"),
]


def test_validate_lists_every_problem_with_path_name_and_reason(tmp_path):
    text = BASE.read_text("utf-8")
    for old, new in THREE_PROBLEMS:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = write(tmp_path, "three.yaml", text)
    code, out, err = run(["validate", str(path), "--lang", "zh"])
    lines = err.splitlines()
    assert code == 2 and out == "" and len(lines) == 3, err
    assert f"{path}: targets.colour（参保目标）: 未知的键 'colour'" in lines[0]  # the unknown key first
    assert f"{path}: contribution.personal（个人缴费标准）: 金额不能为负数（实为-5）" in lines
    assert f"{path}: tiers[dibao].subsidy.percent（低保对象 资助比例）: 须在0到100之间（实为150）" in lines
    code, _, err = run(["validate", str(path), "--lang", "en"])
    assert code == 2 and len(err.splitlines()) == 3
    assert f"{path}: contribution.personal: amount must not be negative (got -5)" in err.splitlines()
    # other commands keep one line, counting the rest
    code, _, err = run(["explain", str(path), "--lang", "en"])
    assert code == 2 and err.count("\n") == 1 and err.rstrip().endswith("(and 2 more problems)")
    code, _, err = run(["explain", str(path), "--lang", "zh"])
    assert code == 2 and err.count("\n") == 1 and err.rstrip().endswith("（另有2处问题）")


def test_warnings_in_chinese(tmp_path):
    path = write(
        tmp_path,
        "warn.yaml",
        base_with(
            "area: {residents: 1000, source: example}", "area: {residents: 1000, source: example, villages_file: v.csv}"
        ),
    )
    code, _, err = run(["validate", str(path), "--lang", "zh"])
    assert code == 0 and f"{path}: area.residents（人口数）: 警告：未使用：改用村（社区）文件中的人口数" in err, err
    code, _, err = run(["validate", str(path), "--lang", "en"])
    assert code == 0 and "area.residents: warning: not used: the villages file's residents are used instead" in err


# ----------------------------------------------------------------------------- YAML slips


@pytest.mark.parametrize(
    "old, new, line, en, zh",
    [
        (
            "label: {zh: 低保对象, en: dibao}",
            "label: {zh: 低保, 特困, en: dibao}",
            15,
            "'特困' has no value: an unquoted comma inside a value splits it",
            '值中含有逗号/冒号时请加引号，如 zh: "低保, 特困"',
        ),
        (
            "label: {zh: 低保对象, en: dibao}",
            "label:\n      zh: 低保: 特困\n      en: dibao",
            16,
            "an unquoted ': ' inside a value",
            '值中含有逗号/冒号时请加引号，如 zh: "低保: 特困"',
        ),
        ("  personal: 380", "  personal:380", 9, "no space after the colon in 'personal:380'", "冒号后缺少空格"),
        ("  personal: 380", "\tpersonal: 380", 9, "a tab character", "制表符（Tab）"),
        ("    section: 三(二)2", "      section: 三(二)2", 16, "bad indentation", "缩进有误"),
        (
            "{any: [urban_dibao, rural_dibao]}",
            "{any: [urban_dibao, rural_dibao}",
            17,
            "'[' opened on line 17",
            "没有闭合",
        ),
    ],
)
def test_yaml_slips_are_explained(tmp_path, old, new, line, en, zh):
    path = write(tmp_path, "slip.yaml", base_with(old, new))
    code, _, err = run(["validate", str(path), "--lang", "en"])
    assert code == 2 and err.count("\n") == 1, err
    assert f"{path}: not valid YAML: line {line}, column " in err and en in err, err
    assert "unknown key" not in err
    code, _, err = run(["validate", str(path), "--lang", "zh"])
    assert code == 2 and f"{path}: 不是有效的YAML：第{line}行第" in err and zh in err, err


def test_a_quoted_comma_is_fine(tmp_path):
    path = write(
        tmp_path, "ok.yaml", base_with("label: {zh: 低保对象, en: dibao}", 'label: {zh: "低保, 特困", en: dibao}')
    )
    code, out, err = run(["validate", str(path), "--lang", "zh"])
    assert code == 0 and err == "" and out == f"{path}: 有效（bad-example，1个资助档次，0条假设）\n"
    code, out, err = run(["validate", str(path), "--lang", "en"])
    assert code == 0 and err == "" and out == f"{path}: ok (bad-example, 1 tier, 0 assumptions)\n"


def test_the_wording_table_is_sound():
    """Every pattern of lang.yaml compiles and refers only to groups it has; a sentence no
    pattern knows comes back unchanged."""
    rows = lang.section("help")  # the help section is there too
    assert rows["commands"] and rows["options"]
    for pattern, template in lang.patterns():
        used = {int(n) for n in re.findall(r"\\(\d+)", template)}
        assert not used or max(used) <= pattern.groups, (pattern.pattern, template)
    assert lang.zh_text("nothing here is known") == "nothing here is known"
    assert lang.in_lang("percent must be between 0 and 100 (got 150)", "en").startswith("percent")
