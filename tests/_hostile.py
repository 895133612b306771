"""The hostile corpus shared by tests/hostile/test_html.py and the session's shared sweep
(tests/conftest.py): markup in every text field of a scenario, which must never run."""

from __future__ import annotations

import json
import re
from pathlib import Path

SINAN = Path(__file__).resolve().parent.parent / "scenarios" / "sinan-2021.yaml"


def payload(tag: str) -> str:
    """Markup that marks the page (``data-pwned``) if any part of it runs."""
    return (
        f'<script>document.documentElement.dataset.pwned="{tag}"</script>'
        f"<img src=x onerror=\"document.documentElement.dataset.pwned='{tag}'\">"
        f"*{tag}* [a](javascript:alert(1)) `</code>`"
    )


def hostile_scenario(folder: Path) -> Path:
    """sinan-2021 with a payload in each text field (JSON strings are YAML double-quoted)."""
    text = SINAN.read_text("utf-8")
    q = json.dumps
    replacements = {
        "  issuer: 思南县人民政府办公室": f"  issuer: {q(payload('issuer'))}",
        "  title: 关于印发思南县2021年度城乡居民基本医疗保险征缴工作实施方案的通知": (
            f"  title: {q(payload('doctitle'))}"
        ),
        "  number: 思府办函〔2020〕115号": f"  number: {q(payload('number'))}",
        "label: {zh: 最低生活保障家庭成员,": f"label: {{zh: {q(payload('tierlabel'))},",
        'note_zh: "七(一)规定140元由“扶贫部门核定”，但未指明支付资金：记为“政府（文件未指明）”。"': (
            f"note_zh: {q(payload('tiernote'))}"
        ),
        'source_zh: "贵州：中央分担80%（国办发〔2018〕6号，西部档）；其余按10/5/5假设分担"': (
            f"source_zh: {q(payload('splitsource'))}"
        ),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    text = re.sub(
        r"^notes:\n(  - .*\n)+", "notes:\n  - " + q(payload("note")) + "\n", text, count=1, flags=re.MULTILINE
    )
    text = re.sub(
        r"^notes_zh:\n(  - .*\n)+", "notes_zh:\n  - " + q(payload("note")) + "\n", text, count=1, flags=re.MULTILINE
    )
    assert text.count(q(payload("note"))) == 2
    path = folder / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path
