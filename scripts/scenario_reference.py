"""Write docs/scenario-reference.md from the scenario schema and labels.yaml (issue 15 item 5).

Run from the repository root after changing a scenario field or its names:
    python scripts/scenario_reference.py          # rewrite the file
    python scripts/scenario_reference.py --check  # exit 1 if the file is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's simulate, whatever is installed

from simulate.policy.refdoc import reference_markdown  # noqa: E402

TARGET = ROOT / "docs" / "scenario-reference.md"


def main(argv: list[str]) -> int:
    text = reference_markdown()
    if "--check" in argv:
        current = TARGET.read_text("utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python scripts/scenario_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
