"""Rules every committed chapter notebook must follow (see README, "Writing a chapter").

nbval checks that outputs are reproducible; these tests check how the notebooks
were produced and that each one can run alone, e.g. on Colab.
"""
import ast
import os
import re
import sys

import pytest

from notebooks import CHAPTERS, REPO, code_cells, load, source

sys.path.insert(0, str(REPO / "scripts"))
from shared_cells import SHARED_CELL_TAGS, SHARED_CELLS  # noqa: E402

chapter = pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


def test_table_of_contents_lists_every_chapter_once():
    toc = (REPO / "_toc.yml").read_text(encoding="utf-8")
    listed = re.findall(r"^\s*- file:\s*chapters/(\S+)", toc, re.M)
    assert sorted(listed) == sorted(p.stem for p in CHAPTERS)


@chapter
def test_executed_top_to_bottom_in_one_fresh_kernel(path):
    counts = [cell.get("execution_count") for cell in code_cells(load(path))]
    assert counts == list(range(1, len(counts) + 1)), (
        f"execution counts {counts}: re-run with `python scripts/execute_notebooks.py chapters/{path.name}`")


@chapter
def test_no_error_outputs(path):
    for number, cell in enumerate(code_cells(load(path)), 1):
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert not errors, f"code cell {number} holds an error output: {errors[0]['ename']}"


MARKER = re.compile(r"^\s*#\s*(NBVAL_\w+|PYTEST_VALIDATE_IGNORE_OUTPUT)\s*$")
REASON = re.compile(r"^\s*#\s*Why:\s*\S.{10,}")


@chapter
def test_every_nbval_marker_has_a_reason_beside_it(path):
    for number, cell in enumerate(code_cells(load(path)), 1):
        tags = cell.get("metadata", {}).get("tags", [])
        assert not [t for t in tags if t.startswith(("nbval", "raises-exception"))], (
            f"code cell {number}: use a `# NBVAL_...` comment with a `# Why: ...` line, not a tag")
        lines = source(cell).splitlines()
        for index, line in enumerate(lines):
            if MARKER.match(line):
                following = lines[index + 1] if index + 1 < len(lines) else ""
                assert REASON.match(following), (
                    f"code cell {number}: `{line.strip()}` needs a `# Why: <reason>` line right after it")


ABSOLUTE_PATH = re.compile(r"(?<![\w.])(/(home|root|tmp|work|Users|private|var/folders)/[\w.-]+|[A-Za-z]:\\\\[\w.-]+)")


IMAGE_KEYS = {"image/png", "image/jpeg"}  # base64 payloads: '/tmp/' can occur in them by chance


def _texts(node):
    """Every string in outputs or widget state, except base64 image payloads."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in IMAGE_KEYS:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)
    elif isinstance(node, str):
        yield node


@chapter
def test_outputs_hold_no_absolute_paths_of_the_executing_machine(path):
    notebook = load(path)
    outputs = [cell.get("outputs", []) for cell in code_cells(notebook)]
    for text in _texts([outputs, notebook.get("metadata", {}).get("widgets", {})]):
        found = ABSOLUTE_PATH.search(text)
        assert not found and str(REPO) not in text, f"an output shows a machine path: {text[:200]!r}"


GENERATED = {"_build", "_site_assets", "node_modules", "__pycache__"}  # installed or built, not ours


def _local_module_names():
    """Names a notebook could import from this repository: its folders and Python files."""
    names = set()
    for folder, subfolders, files in os.walk(REPO):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in GENERATED]
        names |= set(subfolders) | {name[:-3] for name in files if name.endswith(".py")}
    return names


@chapter
def test_notebook_runs_alone_without_files_from_this_repository(path):
    local = _local_module_names()
    for number, cell in enumerate(code_cells(load(path)), 1):
        text = source(cell)
        assert not re.search(r"^\s*%run\b|sys\.path", text, re.M), f"code cell {number} reaches into the repository"
        python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())
        for node in ast.walk(ast.parse(python)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""] if node.level == 0 else ["." * node.level]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top and top not in local, f"code cell {number} imports {module!r} from this repository"


@chapter
def test_shared_cells_match_their_single_source(path):
    cells = code_cells(load(path))
    assert cells[0].get("metadata", {}).get("shared_cell") == "setup", "the first code cell must be the setup cell"
    for number, cell in enumerate(cells, 1):
        name = cell.get("metadata", {}).get("shared_cell")
        if name is not None:
            assert source(cell) == SHARED_CELLS[name], (
                f"code cell {number} ({name}) differs from scripts/shared_cells.py; "
                "run scripts/execute_notebooks.py to refresh it")
            assert set(SHARED_CELL_TAGS) <= set(cell["metadata"].get("tags", [])), f"code cell {number}: missing tags"


@chapter
def test_ends_with_exercises_whose_solutions_are_hidden_and_executed(path):
    cells = load(path)["cells"]
    headings = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and re.search(r"^#+\s*Exercises", source(c), re.M)]
    assert headings, "no 'Exercises' section"
    solutions = [c for c in cells[headings[-1]:] if c["cell_type"] == "code"
                 and "hide-cell" in c.get("metadata", {}).get("tags", [])]
    assert 2 <= len(solutions), "need at least two exercise solutions in hidden (hide-cell) code cells"
    assert all(c.get("execution_count") for c in solutions)
    assert all("assert" in source(c) for c in solutions), "each solution checks its own result with an assert"


@chapter
def test_widget_state_is_stored_for_every_displayed_widget(path):
    notebook = load(path)
    shown = {o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for cell in code_cells(notebook) for o in cell.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})}
    state = notebook.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    missing = shown - set(state.get("state", {}))
    assert not missing, "widgets shown without stored state; execute with scripts/execute_notebooks.py"


def test_chapter_8_shows_the_committed_tensorboard_picture():
    """scripts/tensorboard_screenshot.py writes the picture and stamps it into chapter 8."""
    import base64

    picture = REPO / "images" / "tensorboard-dashboard.jpg"
    notebook = load(REPO / "chapters" / "08_tensorboard.ipynb")
    marked = [cell for cell in notebook["cells"] if cell["metadata"].get("tensorboard_screenshot")]
    assert len(marked) == 1, "chapter 8 needs one cell marked tensorboard_screenshot"
    found = re.search(r"\(data:image/jpeg;base64,([A-Za-z0-9+/=]+)\)", source(marked[0]))
    assert found, "the marked cell shows no picture: run scripts/tensorboard_screenshot.py"
    assert base64.b64decode(found.group(1)) == picture.read_bytes(), (
        "the picture in chapter 8 is not images/tensorboard-dashboard.jpg: "
        "run scripts/tensorboard_screenshot.py and commit both")


def panel_actions(notebook):
    """(name, source) of every function a chapter passes to the toolkit's Panel as its action."""
    functions, actions = {}, []
    for cell in code_cells(notebook):
        if cell["metadata"].get("shared_cell"):
            continue
        try:
            tree = ast.parse(source(cell))
        except SyntaxError:  # IPython magics
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                functions[node.name] = ast.get_source_segment(source(cell), node)
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Panel"
                    and len(node.args) >= 3 and isinstance(node.args[2], ast.Name)):
                actions.append(node.args[2].id)
    return [(name, functions.get(name, "")) for name in actions]


@chapter
def test_panels_train_only_through_the_guard(path):
    """A panel that trains must use guarded_fit, so a diverging run is stopped and explained."""
    for name, text in panel_actions(load(path)):
        assert text, f"{path.name}: the panel action {name} is not defined in the notebook"
        assert not re.search(r"\.fit\(", text), (
            f"{path.name}: the panel action {name} calls .fit( directly; use guarded_fit(...)")


@chapter
def test_panels_are_built_on_the_shared_toolkit(path):
    """No chapter defines its own widget class: panels use the toolkit's Panel, so a
    chapter's panel cell says what it trains and which knobs it has, not how widgets work."""
    notebook = load(path)
    for number, cell in enumerate(code_cells(notebook), 1):
        if cell["metadata"].get("shared_cell"):
            continue
        assert not re.search(r"^class \w+\((widgets|ipywidgets)\.", source(cell), re.M), (
            f"code cell {number} defines a widget class; build the panel with Panel(...) from "
            "the shared panel-toolkit cell")
    uses_widgets = any("ipywidgets" in source(cell) or "Panel(" in source(cell)
                       for cell in code_cells(notebook) if not cell["metadata"].get("shared_cell"))
    if uses_widgets:
        assert any(cell["metadata"].get("shared_cell") == "panel-toolkit"
                   for cell in code_cells(notebook)), "a panel without the panel-toolkit cell"
