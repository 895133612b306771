"""An executed notebook's random ids (ipywidgets' uuid4 model ids, papermill's injected cell
id) are renamed by position before the leak scan, so a uuid whose digits pass the ID check is
not refused (the flaky what-if render), while a real ID anywhere a person reads still is."""

import json
import uuid

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from simulate.io.idmask import find_ids
from simulate.io.idnumber import check_digit
from simulate.io.leakscan import LeakError, refuse_leaks, scan_folder
from simulate.report.notebook_ids import INJECTED_CELL_ID, stable_ids, stable_notebook_ids

#: A uuid4 hex whose 18 digits in a row pass the GB 11643 check digit (found by drawing
#: uuid4s, about one in 18,000 is like this), as the refused what-if report's widget id was.
UNLUCKY = "cc76f30036a74d068716627637853833"
BODY = "52062419500412031"
REAL_ID = BODY + check_digit(BODY)

STATE = "application/vnd.jupyter.widget-state+json"
VIEW = "application/vnd.jupyter.widget-view+json"


def _model(name: str, **state):
    return {"model_module": "@jupyter-widgets/controls", "model_name": name, "state": state}


def _dashboard(ids: list[str], *, shown: str = "", label: str = "个人缴费标准", orphan_first: bool = False):
    """A what-if-like notebook: a VBox holding an HTML figure and a slider, each with a
    layout, plus a replaced chart (an Image no longer shown) and papermill's injected cell."""
    box, html, slider, html_layout, slider_layout, image, image_layout = ids
    state = {
        box: _model("VBoxModel", children=[f"IPY_MODEL_{html}", f"IPY_MODEL_{slider}"]),
        html: _model("HTMLModel", value=f"<table><td>{shown}</td></table>", layout=f"IPY_MODEL_{html_layout}"),
        slider: _model("IntSliderModel", description=label, value=300, layout=f"IPY_MODEL_{slider_layout}"),
        html_layout: _model("LayoutModel", width="380px"),
        slider_layout: _model("LayoutModel", width="320px"),
        image: _model("ImageModel", value="iVBORw0KGgo=", layout=f"IPY_MODEL_{image_layout}"),
        image_layout: _model("LayoutModel", width=None),
    }
    if orphan_first:  # the kernel's order of opening widgets is not the file's
        state = dict(reversed(list(state.items())))
    view = {VIEW: {"model_id": box, "version_major": 2, "version_minor": 0}, "text/plain": "VBox(...)"}
    injected = new_code_cell('scenario = "scenarios/daligang-2020.yaml"\n', metadata={"tags": ["injected-parameters"]})
    injected.id = uuid.uuid4().hex[:8]
    nb = new_notebook(
        cells=[
            new_markdown_cell("# 参数试算看板"),
            injected,
            new_code_cell("app = start(scenario)", outputs=[new_output("display_data", data=view)]),
        ]
    )
    nb.cells[0].id, nb.cells[2].id = "cell-0", "cell-2"
    nb.metadata["widgets"] = {STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    return nb


def _written(tmp_path, nb, name="report"):
    folder = tmp_path / name
    folder.mkdir()
    nbformat.write(nb, folder / "report.ipynb")
    return folder


def _random_ids(first: str | None = None) -> list[str]:
    ids = [uuid.uuid4().hex for _ in range(7)]
    if first:
        ids[0] = first
    return ids


def test_the_unlucky_uuid_looks_like_an_id_number():
    spans = find_ids(UNLUCKY, strict=True)
    assert [s.checked for s in spans] == [True]


@pytest.mark.parametrize("where", range(7))
def test_a_widget_uuid_passing_the_check_is_not_refused_once_renamed(tmp_path, where):
    ids = _random_ids()
    ids[where] = UNLUCKY
    folder = _written(tmp_path, _dashboard(ids))
    assert scan_folder(folder), "the raw notebook is what the scan refused"
    stable_notebook_ids(folder / "report.ipynb")
    refuse_leaks(folder)
    assert UNLUCKY not in (folder / "report.ipynb").read_text("utf-8")


@pytest.mark.parametrize("place", ["html", "label", "cell source", "output text", "markdown"])
def test_a_real_id_in_the_same_notebook_is_still_refused(tmp_path, place):
    nb = _dashboard(
        _random_ids(UNLUCKY),
        shown=f"身份证 {REAL_ID}" if place == "html" else "",
        label=REAL_ID if place == "label" else "个人缴费标准",
    )
    if place == "cell source":
        nb.cells[1].source += f'population_note = "{REAL_ID}"\n'
    elif place == "output text":
        nb.cells[2].outputs.append(
            new_output("stream", name="stdout", text=f"{REAL_ID[:6]} {REAL_ID[6:14]} {REAL_ID[14:]}\n")
        )
    elif place == "markdown":
        nb.cells[0].source += f"\n\n证件号：{REAL_ID}"
    folder = _written(tmp_path, nb)
    stable_notebook_ids(folder / "report.ipynb")
    with pytest.raises(LeakError, match="report.ipynb: holds a full ID number 520624"):
        refuse_leaks(folder)
    leaks = scan_folder(folder)
    assert leaks and all(leak.masked.startswith("520624") for leak in leaks), leaks


def test_the_same_notebook_with_other_random_ids_gives_the_same_bytes(tmp_path):
    one = _written(tmp_path, _dashboard(_random_ids()), "one") / "report.ipynb"
    two = _written(tmp_path, _dashboard(_random_ids(), orphan_first=True), "two") / "report.ipynb"
    assert one.read_bytes() != two.read_bytes()
    stable_notebook_ids(one)
    stable_notebook_ids(two)
    assert one.read_bytes() == two.read_bytes()


def test_renamed_ids_still_join_the_widget_tree(tmp_path):
    ids = _random_ids()
    folder = _written(tmp_path, _dashboard(ids))
    stable_notebook_ids(folder / "report.ipynb")
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    nbformat.validate(nb)
    state = nb.metadata["widgets"][STATE]["state"]
    assert set(state) == {f"widget-{n}" for n in range(1, 8)}
    shown = nb.cells[2].outputs[0]["data"][VIEW]["model_id"]
    assert shown == "widget-1" and state[shown]["model_name"] == "VBoxModel"
    children = [c.removeprefix("IPY_MODEL_") for c in state[shown]["state"]["children"]]
    assert [state[c]["model_name"] for c in children] == ["HTMLModel", "IntSliderModel"]
    for model in state.values():
        layout = model["state"].get("layout")
        assert layout is None or state[layout.removeprefix("IPY_MODEL_")]["model_name"] == "LayoutModel"
    assert [c.id for c in nb.cells] == ["cell-0", INJECTED_CELL_ID, "cell-2"]


def test_a_notebook_without_random_ids_is_left_byte_for_byte(tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("# 标题"), new_code_cell("x = 1", outputs=[])])
    nb.cells[0].id, nb.cells[1].id = "cell-0", "cell-1"
    path = _written(tmp_path, nb) / "report.ipynb"
    before = path.read_bytes()
    stable_notebook_ids(path)
    assert path.read_bytes() == before
    assert stable_ids(json.loads(before)) == json.loads(before)
