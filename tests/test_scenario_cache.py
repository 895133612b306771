"""A scenario validated once per content (``policy.scenario_cache``, issue 16 item 5): used
again only for the very same bytes of every file it was read from, by the same code, without
overrides; never kept for a refused file; never in the way when it cannot be written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from simulate.errors import ScenarioError
from simulate.policy import load_scenario, scenario_cache
from simulate.policy.schema import Policy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A cache of its own, plugins off (as the command line sets them), the 思南 files copied."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")
    for name in ("sinan-2021.yaml", "sinan-2021-580.yaml"):
        shutil.copy(ROOT / "scenarios" / name, tmp_path / name)
    return tmp_path


def _entries() -> list[Path]:
    where = scenario_cache.folder()
    return [] if where is None else sorted(where.glob("*.pickle"))


def _no_validation(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(Policy, "model_validate", refuse)


def test_the_second_load_is_the_first_without_validating_it_again(here, monkeypatch):
    path = here / "sinan-2021.yaml"
    first = load_scenario(path)
    assert len(_entries()) == 1
    _no_validation(monkeypatch)
    again = load_scenario(path)
    assert again is not first
    assert again.policy == first.policy and again.raw == first.raw and again.chain == first.chain
    assert again.base_dir == first.base_dir and again.provenance() == first.provenance()
    with pytest.raises(AssertionError, match="validated again"):  # overrides: always validated
        load_scenario(path, {"contribution.personal": 300})


def test_same_size_and_time_but_other_bytes_are_read_again(here):
    path = here / "sinan-2021.yaml"
    assert load_scenario(path).policy.contribution.personal == 28000
    st = path.stat()
    text = path.read_text("utf-8")
    path.write_text(text.replace("personal: 280 ", "personal: 290 ", 1), "utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    assert load_scenario(path).policy.contribution.personal == 29000


def test_a_changed_file_it_extends_is_read_again(here):
    child = here / "sinan-2021-580.yaml"
    assert load_scenario(child).policy.contribution.personal == 28000
    parent = here / "sinan-2021.yaml"
    parent.write_text(parent.read_text("utf-8").replace("personal: 280 ", "personal: 300 ", 1), "utf-8")
    again = load_scenario(child)
    assert again.policy.contribution.personal == 30000
    assert [e["sha256"] for e in again.chain][1] != ""


def test_other_code_validates_again(here, monkeypatch):
    path = here / "sinan-2021.yaml"
    load_scenario(path)
    monkeypatch.setattr(scenario_cache, "code_stamp", lambda: "another version of simulate")
    _no_validation(monkeypatch)
    with pytest.raises(AssertionError, match="validated again"):
        load_scenario(path)


def test_a_refused_file_is_never_kept_and_refused_alike_each_time(here):
    path = here / "sinan-2021.yaml"
    path.write_text(path.read_text("utf-8").replace("personal: 280 ", "personal: -28 ", 1), "utf-8")
    errors = []
    for _ in range(2):
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and _entries() == []


def test_each_name_a_file_is_given_by_keeps_its_own_provenance(here, monkeypatch):
    monkeypatch.chdir(here)
    by_name = load_scenario("sinan-2021.yaml")
    by_path = load_scenario(here / "sinan-2021.yaml")
    assert len(_entries()) == 2
    assert load_scenario("sinan-2021.yaml").chain[0]["path"] == by_name.chain[0]["path"] == "sinan-2021.yaml"
    assert (
        load_scenario(here / "sinan-2021.yaml").chain[0]["path"]
        == by_path.chain[0]["path"]
        == str(here / "sinan-2021.yaml")
    )


def test_a_cache_that_cannot_be_written_costs_only_the_full_load(here, monkeypatch):
    blocker = here / "not-a-folder"
    blocker.write_text("x", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    path = here / "sinan-2021.yaml"
    assert load_scenario(path).policy == load_scenario(path).policy
    assert not (blocker.parent / "simulate").exists()


def test_with_a_users_pydantic_plugins_on_every_load_validates(here, monkeypatch):
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "some_plugin")
    load_scenario(here / "sinan-2021.yaml")
    assert _entries() == []


def test_the_cache_keeps_at_most_max_entries(here, monkeypatch):
    monkeypatch.setattr(scenario_cache, "MAX_ENTRIES", 3)
    monkeypatch.chdir(here)
    for name in ("sinan-2021.yaml", "./sinan-2021.yaml", ".//sinan-2021.yaml", here / "sinan-2021.yaml"):
        load_scenario(name)
    assert len(_entries()) == 3


# --------------------------------------------------------------------------- whose cache it is


def _kept(here) -> Path:
    """Load the 思南 scenario once (kept) and return its entry."""
    load_scenario(here / "sinan-2021.yaml")
    (entry,) = _entries()
    return entry


def test_folders_and_entries_are_private(here):
    entry = _kept(here)
    for made in (entry.parent, entry.parent.parent, here / "cache"):
        assert made.stat().st_mode & 0o777 == 0o700, made
    assert entry.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("bits", [0o020, 0o002])
def test_an_entry_others_may_write_is_not_used(here, monkeypatch, bits):
    entry = _kept(here)
    entry.chmod(0o600 | bits)
    _no_validation(monkeypatch)
    with pytest.raises(AssertionError, match="validated again"):
        load_scenario(here / "sinan-2021.yaml")


def test_an_entry_in_a_folder_others_may_write_is_not_used(here, monkeypatch):
    entry = _kept(here)
    entry.parent.chmod(0o777)
    _no_validation(monkeypatch)
    with pytest.raises(AssertionError, match="validated again"):
        load_scenario(here / "sinan-2021.yaml")


def test_an_entry_or_folder_of_another_user_is_not_used(here, monkeypatch):
    _kept(here)
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    _no_validation(monkeypatch)
    with pytest.raises(AssertionError, match="validated again"):
        load_scenario(here / "sinan-2021.yaml")


def test_a_link_in_place_of_an_entry_is_not_followed(here, monkeypatch):
    entry = _kept(here)
    real = here / "elsewhere.pickle"
    entry.rename(real)
    entry.symlink_to(real)
    _no_validation(monkeypatch)
    with pytest.raises(AssertionError, match="validated again"):
        load_scenario(here / "sinan-2021.yaml")


def test_a_relative_cache_base_is_ignored(here, monkeypatch):
    """A relative XDG_CACHE_HOME is ignored (XDG spec): ~/.cache is used; no home folder that
    is an absolute path (expanduser gives back a bare "~"): no cache at all."""
    monkeypatch.chdir(here)
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    monkeypatch.setenv("HOME", str(here / "home"))
    assert scenario_cache.folder() == here / "home" / ".cache" / "simulate" / "scenarios"
    monkeypatch.setattr(os.path, "expanduser", lambda p: p)  # no HOME, no passwd entry
    assert scenario_cache.folder() is None
    load_scenario(here / "sinan-2021.yaml")
    assert not (here / "cache").exists() and not (here / "~").exists()


def test_simulate_no_cache_turns_it_off(here, monkeypatch):
    monkeypatch.setenv("SIMULATE_NO_CACHE", "1")
    load_scenario(here / "sinan-2021.yaml")
    assert not (here / "cache").exists()


@pytest.mark.parametrize("module", ["pydantic", "pydantic_core", "simulate"])
def test_another_pydantic_or_simulate_version_validates_again(here, monkeypatch, module):
    import pydantic
    import pydantic_core

    import simulate

    load_scenario(here / "sinan-2021.yaml")
    owner, name = {"pydantic": (pydantic, "VERSION"), "pydantic_core": (pydantic_core, "__version__")}.get(
        module, (simulate, "__version__")
    )
    monkeypatch.setattr(owner, name, "0.0.0-other")
    scenario_cache.code_stamp.cache_clear()
    _no_validation(monkeypatch)
    try:
        with pytest.raises(AssertionError, match="validated again"):
            load_scenario(here / "sinan-2021.yaml")
    finally:
        monkeypatch.undo()
        scenario_cache.code_stamp.cache_clear()


def test_the_suite_keeps_scenarios_in_a_folder_of_each_tests_own(tmp_path_factory, monkeypatch):
    """tests/conftest.py gives each test its own XDG_CACHE_HOME under pytest's temporary
    folder, which subprocesses inherit: the user's ~/.cache is never read or written."""
    import subprocess
    import sys

    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")
    where = scenario_cache.folder()
    assert where is not None and tmp_path_factory.getbasetemp() in where.parents
    assert Path(os.path.expanduser("~")) / ".cache" not in where.parents
    load_scenario(ROOT / "scenarios" / "sinan-2021.yaml")
    assert len(_entries()) == 1
    code = "from simulate.policy import scenario_cache; print(scenario_cache.folder())"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(where)
