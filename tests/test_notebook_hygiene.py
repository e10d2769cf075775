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
from shared_cells import (  # noqa: E402
    HIDE_TAGS,
    SHARED_CELL_TAGS,
    SHARED_CELLS,
    cell_title,
    fold_metadata,
    launch_links,
)
from lesson_metrics import LIMITS, measure  # noqa: E402

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


NBVAL_TAGS = ("nbval-", "raises-exception")


@chapter
def test_every_nbval_tag_has_a_reason_in_the_metadata(path):
    """nbval's cell tags, not comments in the learner's code; the reason kept
    in the cell's metadata (`nbval_reason`)."""
    for number, cell in enumerate(code_cells(load(path)), 1):
        assert "NBVAL_" not in source(cell), (
            f"code cell {number}: a `# NBVAL_...` comment; use the cell tag "
            "(nbval-ignore-output, nbval-skip, raises-exception) and metadata nbval_reason")
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if t.startswith(NBVAL_TAGS)]
        if tags:
            reason = cell["metadata"].get("nbval_reason", "")
            assert len(reason.strip()) >= 10, (
                f"code cell {number}: tag {tags} needs a reason in metadata nbval_reason")


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
                f"code cell {number} ({name}) differs from its module in bookkit/; "
                "run scripts/execute_notebooks.py to refresh it")
            assert set(SHARED_CELL_TAGS) <= set(cell["metadata"].get("tags", [])), f"code cell {number}: missing tags"


@chapter
def test_ends_with_exercises_whose_solutions_are_hidden_explained_and_executed(path):
    cells = load(path)["cells"]
    headings = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and re.search(r"^#+\s*Exercises", source(c), re.M)]
    assert headings, "no 'Exercises' section"
    solutions = [c for c in cells[headings[-1]:] if c["cell_type"] == "code"
                 and "hide-cell" in c.get("metadata", {}).get("tags", [])]
    assert 2 <= len(solutions), "need at least two exercise solutions in hidden (hide-cell) code cells"
    for solution in solutions:
        assert solution.get("execution_count")
        title = cell_title(source(solution)) or ""
        assert title.startswith("Solution to Exercise"), (
            f"a solution's first line is `# @title Solution to Exercise N`, not {title!r}")
        explained = source(solution).split("\n")[1:3]
        assert explained and explained[0].startswith("# "), (
            f"{title}: explain the answer in a comment line or two before the code")
        assert "assert" in source(solution), f"{title}: checks its own result with an assert"


@chapter
def test_titled_cells_are_folded_on_colab_in_jupyterlab_and_in_the_book(path):
    """`# @title X`: a Colab form, JupyterLab's source_hidden, a book fold bar
    that says "Show X"; and every cell the book folds says what it holds."""
    for number, cell in enumerate(code_cells(load(path)), 1):
        title = cell_title(source(cell))
        tags = cell.get("metadata", {}).get("tags", [])
        if title is None:
            assert not {"hide-input", "hide-cell"} & set(tags), (
                f"code cell {number} is folded in the book but has no `# @title` "
                "first line saying what it holds")
            metadata = cell.get("metadata", {})
            assert not (metadata.get("cellView") or metadata.get("jupyter", {}).get("source_hidden")), (
                f"code cell {number} is folded on Colab or in JupyterLab without a title")
            continue
        wanted = fold_metadata(title, tags)
        for key, value in wanted.items():
            assert cell["metadata"].get(key) == value, (
                f"code cell {number} ({title}): metadata {key} should be {value!r}; "
                "run scripts/execute_notebooks.py")
        assert HIDE_TAGS & set(tags)


@chapter
def test_chapter_starts_with_its_launch_links(path):
    """Run in Colab, Download notebook, View source: right under the title."""
    cells = load(path)["cells"]
    assert cells[0]["cell_type"] == "markdown" and source(cells[0]).startswith("# ")
    assert cells[1].get("metadata", {}).get("launch_links"), "cell 2 must be the launch links"
    assert source(cells[1]) == launch_links(path.relative_to(REPO).as_posix())


@chapter
def test_the_lesson_is_in_front_and_the_evidence_folded(path):
    """The figures of scripts/lesson_metrics.py for this chapter, held to LIMITS."""
    row = measure(path)
    for key in ("src_paths_inline", "long_lines", "nbval_markers", "test_talk",
                "unfolded_plumbing", "unfolded_answers", "panel_error_states",
                "open_long_cells"):
        assert row[key] <= LIMITS[key], f"{key} = {row[key]} (at most {LIMITS[key]})"
    assert row["prose_per_code"] >= LIMITS["min_prose_per_code"], (
        f"{row['prose_lines']} prose lines for {row['visible_code_lines']} visible code lines")


def test_the_whole_book_keeps_its_asserts_folded():
    rows = [measure(path) for path in CHAPTERS]
    visible = sum(row["visible_asserts"] for row in rows)
    open_ = sum(row["open_asserts"] for row in rows)
    assert visible <= LIMITS["book_visible_asserts"], f"{visible} asserts visible in the book"
    assert open_ <= LIMITS["book_open_asserts"], f"{open_} asserts open on Colab/JupyterLab"


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
    found = re.search(r'src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', source(marked[0]))
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


@chapter
def test_directive_titles_have_no_backticks(path):
    """```{dropdown} Under the hood: `x` is no directive in MyST (a backtick fence's
    info string may not hold backticks): its content would stand open on the page."""
    for number, cell in enumerate(load(path)["cells"], 1):
        if cell["cell_type"] != "markdown":
            continue
        for line in source(cell).split("\n"):
            fence = re.match(r"^\s*(`{3,})\{[\w-]+\}(.*)$", line)
            assert not (fence and "`" in fence.group(2)), (
                f"cell {number}: a backtick in the directive's title: {line.strip()}")


@chapter
def test_no_stale_widget_state(path):
    """Widget state only for widgets a cell shows: a notebook split from one with a
    panel must not carry that panel's models (the book would look for their plots)."""
    notebook = load(path)
    shown = any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                for cell in code_cells(notebook) for o in cell.get("outputs", []))
    state = notebook.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    assert shown or not state, f"{len(state)} widget models stored, none shown: re-execute"


def test_launch_links_point_to_colab_the_raw_file_and_github():
    """Pinned by hand, so that a wrong address cannot pass by agreeing with itself."""
    assert launch_links("chapters/03_compile_fit.ipynb") == (
        "[Run in Colab](https://colab.research.google.com/github/keras-course-book/"
        "keras-course-book/blob/main/chapters/03_compile_fit.ipynb) · "
        "[Download notebook](https://raw.githubusercontent.com/keras-course-book/"
        "keras-course-book/main/chapters/03_compile_fit.ipynb) · "
        "[View source](https://github.com/keras-course-book/keras-course-book/blob/main/"
        "chapters/03_compile_fit.ipynb)")
