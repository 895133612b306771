"""What simulate's command line sets in its environment for itself (simulate.startenv) stays
out of the processes it starts for the user: a report kernel sees the user's environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# in a fresh process, as ``simulate`` starts: import the command line, then start a report
# kernel and ask it for the variable (printed as repr, None when absent)
_PROBE = """
import os, sys
import simulate.cli
from simulate.report.kernel import ReportKernel
from jupyter_client.blocking import BlockingKernelClient
print("cli", repr(os.environ.get("PYDANTIC_DISABLE_PLUGINS")))
print("cli-blas", repr(os.environ.get("OPENBLAS_NUM_THREADS")))
k = ReportKernel(__import__("pathlib").Path("."))
try:
    c = BlockingKernelClient()
    c.load_connection_info(k.km.get_connection_info())
    c.start_channels()
    c.wait_for_ready(timeout=60)
    reply = c.execute_interactive(
        "import os; print('kernel', repr(os.environ.get('PYDANTIC_DISABLE_PLUGINS')));"
        "print('kernel-blas', repr(os.environ.get('OPENBLAS_NUM_THREADS')))",
        output_hook=lambda m: m["msg_type"] == "stream" and print(m["content"]["text"], end=""),
        timeout=60,
    )
    c.stop_channels()
finally:
    k.close()
"""


def _probe(env_extra: dict[str, str]) -> list[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYDANTIC_DISABLE_PLUGINS", "OPENBLAS_NUM_THREADS", "SIMULATE_OWN_ENV")
    }
    env.update({"PYTHONPATH": str(ROOT), **env_extra})
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split("\n")


def test_a_report_kernel_does_not_inherit_the_cli_pydantic_setting():
    lines = _probe({})
    assert "cli '__all__'" in lines  # the command line itself still skips plugin discovery
    assert "kernel None" in lines  # the kernel: as the user's environment had it (unset)
    # one OpenBLAS thread for the command line's own start-up, the machine's default in a kernel
    assert "cli-blas '1'" in lines and "kernel-blas None" in lines


def test_a_users_own_pydantic_setting_reaches_the_kernel():
    lines = _probe({"PYDANTIC_DISABLE_PLUGINS": "logfire", "OPENBLAS_NUM_THREADS": "4"})
    assert "cli 'logfire'" in lines and "kernel 'logfire'" in lines
    assert "cli-blas '4'" in lines and "kernel-blas '4'" in lines


def test_user_environ_drops_only_what_simulate_set_and_still_holds():
    from simulate.startenv import MARK, user_environ

    own = {MARK: "PYDANTIC_DISABLE_PLUGINS=__all__", "PYDANTIC_DISABLE_PLUGINS": "__all__", "HOME": "/h"}
    assert user_environ(own) == {"HOME": "/h"}
    changed = {**own, "PYDANTIC_DISABLE_PLUGINS": "x"}  # changed since: the user's, kept
    assert user_environ(changed) == {"PYDANTIC_DISABLE_PLUGINS": "x", "HOME": "/h"}
