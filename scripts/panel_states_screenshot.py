"""How a saved panel looks in JupyterLab, photographed from a real server by a real browser.

    python scripts/panel_states_screenshot.py                # -> images/panel-states.png
    python scripts/panel_states_screenshot.py --lab-venv DIR # keep JupyterLab's venv in DIR
    python scripts/panel_states_screenshot.py --no-run       # only (a) and (b): nothing runs

Run it with the book's .venv (its Python is the notebook's kernel). It needs the package
index once (for JupyterLab's venv) and Debian's `chromium` (scripts/install_system_packages.sh).

1. makes a throwaway virtual environment outside the repository with JupyterLab 4.6.6
   (pinned here: LAB_PACKAGES) and the book's ipywidgets 8.1.9 (which pins jupyterlab_widgets
   3.0.17) and ipykernel 7.4.0; with --lab-venv DIR it is made there once and reused;
2. copies one chapter with a panel (chapter 7: its panel is small and the chapter quick) into a
   temporary folder, and starts `jupyter lab` on 127.0.0.1 (a free port, a token, no browser)
   with every Jupyter folder (config, data with the trust database, runtime, settings,
   workspaces, HOME, IPYTHONDIR) inside that temporary folder. The notebook runs on the book's
   own Python (this script's interpreter: the pinned TensorFlow and Keras), registered as the
   kernel `python3` for this server only, with the Keras cache the tests use (or ~/.keras).
   Two JupyterLab settings keep the picture steady: no news prompt, and every cell laid out
   at once (windowing "none"); neither changes what an output shows;
3. opens the notebook in headless Chromium through Playwright, scrolls to the panel and
   photographs its output in four states:
   (a) as a reader who cloned the repository first sees it (this server has never seen the
       notebook, so it is not trusted);
   (c) after Run > Run All Cells in (a) (skipped, with (d), by --no-run): the live panel;
   (d) after (c), saved, closed with its kernel shut down, and opened again;
   (b) an untouched copy of the committed file after `jupyter trust` (the only change: its
       signature in the trust database), opened with a fresh kernel;
   and logs what it found in each: the kind of output, how many outputs JupyterLab
   trusted, whether moving the slider one step recomputed anything, whether the saved file
   holds the state of the model its output names, and the browser console's errors;
4. puts the photographs under one another in the order (a) to (d), each under a caption
   made from what was found, into images/panel-states.png (a 64-colour PNG).
The server, its kernels and the temporary folder are removed however it ends; nothing is
written to the home folder. Re-run it when ipywidgets or the pinned JupyterLab change, check
the states it prints against how_to_use.md ("What a panel looks like before you run it"), and
commit the picture.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "data"))
import check_data  # noqa: E402
from tensorboard_server import free_port  # noqa: E402

IMAGE = REPO / "images" / "panel-states.png"
CHAPTER = REPO / "chapters" / "07_metrics.ipynb"
# JupyterLab as pinned for this picture, with the book's own widget packages (requirements.txt).
LAB_PACKAGES = ["jupyterlab==4.6.6", "ipywidgets==8.1.9", "ipykernel==7.4.0"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- JupyterLab in its own virtual environment ------------------------------------------------

def ensure_lab(venv: Path, pip_env: dict) -> Path:
    """A venv with LAB_PACKAGES; pip does nothing (and needs no network) once they are in.

    No pip cache and no version check: pip writes nothing outside the venv.
    """
    if not (venv / "bin" / "python").exists():
        log(f"creating {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    log("pip install " + " ".join(LAB_PACKAGES))
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-qq",
                    "--no-cache-dir", "--disable-pip-version-check", *LAB_PACKAGES],
                   check=True, env=pip_env)
    return venv / "bin" / "jupyter"


def versions(venv: Path) -> dict:
    code = ("import json, importlib.metadata as m; print(json.dumps({n: m.version(n) for n in "
            "('jupyterlab', 'jupyter_server', 'jupyterlab_widgets', 'ipywidgets')}))")
    found = subprocess.run([str(venv / "bin" / "python"), "-c", code], check=True,
                           capture_output=True, text=True).stdout
    return json.loads(found)


def jupyter_env(workdir: Path) -> dict:
    """Every folder Jupyter, IPython, matplotlib and Chromium write to, inside workdir."""
    folders = {"HOME": "home", "JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
               "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTER_PATH": "path",
               "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
               "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces", "IPYTHONDIR": "ipython",
               "MPLCONFIGDIR": "matplotlib", "XDG_CACHE_HOME": "cache",
               "XDG_CONFIG_HOME": "xdg-config", "XDG_DATA_HOME": "xdg-data"}
    env = dict(os.environ)
    for name, folder in folders.items():
        (workdir / folder).mkdir(parents=True, exist_ok=True)
        env[name] = str(workdir / folder)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("JUPYTER_PREFER_ENV_PATH", None)
    env["PYTHONNOUSERSITE"] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def register_kernel(env: dict) -> None:
    """`python3` = the book's interpreter (TensorFlow, Keras, ipywidgets 8.1.9), this server only.

    JUPYTER_PATH comes first when Jupyter looks for kernels, ahead of the `python3` that
    ipykernel installs into the JupyterLab venv (which has no TensorFlow).
    """
    spec = Path(env["JUPYTER_PATH"]) / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python",
        "metadata": {"debugger": True}}), encoding="utf-8")


def quiet_lab(env: dict) -> None:
    """Settings for a steady picture: no news prompt or update check popping up over it,
    and every cell laid out at once (windowing "none"; the default, "contentVisibility",
    also attaches every cell, but sizes unseen ones by estimate, so the page shifts while
    it scrolls). Neither changes what a cell's output shows."""
    folder = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab"
    for plugin, settings in [("apputils-extension/notification",
                              {"fetchNews": "false", "checkForUpdates": False}),
                             ("notebook-extension/tracker", {"windowingMode": "none"})]:
        path = folder / f"{plugin}.jupyter-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings), encoding="utf-8")


# -- the server -------------------------------------------------------------------------------

class Lab:
    """`jupyter lab` in its own process group; stop() also shuts down every kernel."""

    def __init__(self, jupyter: Path, root: Path, env: dict, timeout: float = 180):
        self.token, self.env = secrets.token_hex(16), env
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.errors = tempfile.TemporaryFile()  # a file, not a pipe: it cannot block the server
        self.process = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--ServerApp.port_retries=0", "--LabApp.expose_app_in_browser=True",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly",  # no queries to the package index
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            stdout=subprocess.DEVNULL, stderr=self.errors, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env, cwd=root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited at start-up:\n{self.tail()}")
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.tail()}")

    def tail(self, size: int = 3000) -> str:
        self.errors.seek(0)
        return self.errors.read().decode(errors="replace")[-size:]

    def api(self, method: str, path: str):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        body = _LOCAL.open(request, timeout=30).read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.shut_down_kernels()
            except OSError:
                pass
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.errors.close()


def end_leftover_kernels(workdir: Path) -> list[int]:
    """Kernels run in their own sessions; end any whose command line names our runtime folder."""
    marker, ended = str(workdir / "runtime"), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if marker in command:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                ended.append(int(entry.name))
            except ProcessLookupError:
                pass
    return ended


# -- the browser ------------------------------------------------------------------------------

FIND_PANEL = """name => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === name) return widget;
  }
  return null;
}"""

READY = """name => {
  const panel = (%s)(name);
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!(panel && panel.context.isReady && kernel && kernel.status === 'idle'
            && kernel.connectionStatus === 'connected');
}""" % FIND_PANEL

TRUST = """name => {
  const cells = (%s)(name).content.widgets.filter(
      cell => cell.model.type === 'code' && cell.model.outputs.length > 0);
  return {trusted: cells.filter(cell => cell.model.trusted).length, with_outputs: cells.length};
}""" % FIND_PANEL

RUN_STATE = """name => {
  const panel = (%s)(name);
  const code = panel.content.widgets.filter(cell => cell.model.type === 'code');
  const kernel = panel.sessionContext.session.kernel;
  const errors = code.filter(cell => {
    for (let i = 0; i < cell.model.outputs.length; i++) {
      if (cell.model.outputs.get(i).type === 'error') return true;
    }
    return false;
  }).length;
  return {run: code.filter(cell => cell.model.executionCount !== null
                           && !cell.node.querySelector('.jp-mod-pending')).length,
          total: code.length, errors: errors, idle: kernel.status === 'idle',
          pending: code.filter(cell => cell.promptNode &&
                               cell.promptNode.textContent.includes('*')).length};
}""" % FIND_PANEL

DESCRIBE_OUTPUT = """element => {
  const text = element.innerText.trim();
  const error = text.match(/Error displaying widget[^\\n]*/);
  if (error) return {kind: 'error', text: error[0]};
  if (element.querySelector('.widget-vbox, .widget-box, .widget-slider'))
    return {kind: 'widget', text: text.split('\\n').slice(0, 3).join(' | '),
            // jupyterlab_widgets marks a view whose model has no kernel behind it (comm_live
            // false) with this class, drawn as a broken-link icon
            disconnected: element.querySelectorAll('.jupyter-widgets-disconnected').length};
  return {kind: 'text', text: text};
}"""

def describe(state: dict, nudged: dict | None = None) -> str:
    """What the photograph shows, in words, from what was found in the output."""
    if state["kind"] == "text":
        return f"the text summary {state['text'].splitlines()[-1]}, no panel"
    if state["kind"] == "error":
        return f"\u201c{state['text']}\u201d instead of the panel"
    words = "the panel and its plot, drawn from the widget state saved in the notebook"
    if state.get("disconnected"):
        words += ", marked disconnected (no kernel behind it)"
    if nudged and nudged["before"]["slider"] != nudged["after"]["slider"] and (
            nudged["before"]["status"] == nudged["after"]["status"]):
        words += ": the slider moves, nothing is recomputed"
    return words


class Browser:
    def __init__(self, lab: Lab, panel_cell: int, env: dict):
        from playwright.sync_api import sync_playwright

        chromium = (os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium")
                    or shutil.which("chromium-browser"))
        if not chromium:
            raise SystemExit("no Chromium found: install Debian's `chromium` "
                             "(or set BOOK_CHROMIUM)")
        self.lab, self.panel_cell, self.notebook = lab, panel_cell, None
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"],
            env=env)  # HOME and XDG folders in the temporary folder: Chromium writes there too
        self.page = None
        self.console: list[str] = []
        self.on_new_page = None  # called with each new tab before it loads (panels_live.py)

    def open(self, notebook: str) -> None:
        """A new tab on the notebook (a path under the server's root), with a fresh kernel."""
        self.close_page()
        self.notebook = notebook
        self.lab.shut_down_kernels()
        self.page = self.browser.new_page(viewport={"width": 1100, "height": 1000})
        self.page.on("console", lambda message: self.console.append(
            f"{message.type}: {message.text}"[:300]) if message.type in ("error", "warning")
            else None)
        if self.on_new_page is not None:
            self.on_new_page(self.page)
        self.page.goto(f"{self.lab.url}/lab/tree/{self.notebook}?reset&token={self.lab.token}",
                       wait_until="domcontentloaded", timeout=120_000)
        self.page.wait_for_function(READY, arg=self.notebook, timeout=180_000, polling=500)
        self.page.wait_for_timeout(3_000)  # let the widget manager restore what it can

    def output(self):
        cell = self.page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(
            self.panel_cell)
        return cell.locator(".jp-Cell-outputWrapper")

    def photograph(self, out: Path) -> dict:
        output = self.output()
        for _ in range(2):  # again after the first paint, in case the layout moved
            output.evaluate("element => element.scrollIntoView({block: 'center'})")
            self.page.wait_for_timeout(1_500)
        state = output.evaluate(DESCRIBE_OUTPUT)
        state.update(self.page.evaluate(TRUST, self.notebook))
        output.screenshot(path=str(out), timeout=60_000)
        return state

    def nudge_slider(self) -> dict:
        """Press the right arrow on the panel's slider; report the slider and status line."""
        output = self.output()
        handle = output.locator(".noUi-handle, .widget-slider .ui-slider-handle").first
        # the handle's own position (the toolkit hides the slider's readout, which clamps
        # typed values without a word, and shows the value in a box the kernel fills)
        read = ("element => { const handle = element.querySelector('.noUi-handle');"
                " return {slider: handle && (handle.getAttribute('aria-valuenow')"
                " || handle.getAttribute('aria-valuetext')),"
                " status: (element.querySelector('.widget-html b') || {}).innerText}; }")
        before = output.evaluate(read)
        handle.focus()
        handle.press("ArrowRight")
        self.page.wait_for_timeout(4_000)
        return {"before": before, "after": output.evaluate(read)}

    def run_all(self, timeout: float = 600) -> dict:
        """Run > Run All Cells, as a reader would; wait until every code cell has run."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        deadline = time.monotonic() + timeout
        state = {}
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(2_000)
            state = self.page.evaluate(RUN_STATE, self.notebook)
            if state["idle"] and not state["pending"] and state["run"] == state["total"]:
                self.page.wait_for_timeout(2_000)
                return state
        raise RuntimeError(f"Run All did not finish within {timeout} s: {state}")

    def save(self) -> None:
        self.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        self.page.wait_for_function(
            f"name => !({FIND_PANEL})(name).context.model.dirty", arg=self.notebook,
            timeout=60_000)

    def close_page(self) -> None:
        if self.page is not None:
            self.page.close()
            self.page = None

    def close(self) -> None:
        try:
            self.close_page()
            self.browser.close()
        finally:
            self.playwright.stop()


# -- the picture ------------------------------------------------------------------------------

def wrap(text: str, font, width: int) -> list[str]:
    lines = [""]
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and font.getlength(candidate) > width:
            lines.append(word)
        else:
            lines[-1] = candidate
    return lines


def compose(shots: list[tuple[str, str, Path]], out: Path, note: str) -> None:
    """The photographs under one another, each under a title and a line saying what it shows."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    bold = ImageFont.truetype(str(fonts / "DejaVuSans-Bold.ttf"), 16)
    plain = ImageFont.truetype(str(fonts / "DejaVuSans.ttf"), 14)
    images = [Image.open(path).convert("RGB") for *_, path in shots]
    width = max(image.width for image in images) + 24
    blocks = [([title], wrap(text, plain, width - 24), image)
              for (title, text, _), image in zip(shots, images)]
    notes = wrap(note, plain, width - 24)
    line, gap = 19, 16
    height = 8 + sum(line * (1 + len(text)) + 6 + image.height + gap
                     for _, text, image in blocks) + line * len(notes) + 8
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    y = 8
    for title, text, image in blocks:
        for row, font, colour in [(title[0], bold, "#202020")] + [(t, plain, "#303030")
                                                                  for t in text]:
            draw.text((12, y), row, fill=colour, font=font)
            y += line
        y += 6
        sheet.paste(image, (12, y))
        draw.rectangle([11, y - 1, 12 + image.width, y + image.height], outline="#b0b0b0")
        y += image.height + gap
    for row in notes:
        draw.text((12, y), row, fill="#606060", font=plain)
        y += line
    out.parent.mkdir(parents=True, exist_ok=True)
    # 64 colours keep a screenshot of a user interface sharp and the file small
    sheet.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, optimize=True)


def panel_cell_index(notebook: Path) -> int:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if any(WIDGET_VIEW in output.get("data", {}) for output in cell.get("outputs", [])):
            return index
    raise SystemExit(f"{notebook.name} has no saved widget output")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGE)
    parser.add_argument("--chapter", type=Path, default=CHAPTER)
    parser.add_argument("--lab-venv", type=Path,
                        help="make JupyterLab's venv here and keep it (default: a throwaway one)")
    parser.add_argument("--no-run", action="store_true", help="skip (c) and (d)")
    args = parser.parse_args()
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="panel-states-"))
    lab = browser = None
    try:
        env = jupyter_env(workdir)
        venv = args.lab_venv.resolve() if args.lab_venv else workdir / "lab-venv"
        jupyter = ensure_lab(venv, dict(os.environ))  # the user's own pip settings
        found = versions(venv)
        log("versions: " + ", ".join(f"{name} {version}" for name, version in found.items()))
        register_kernel(env)
        quiet_lab(env)
        source = check_data.default_source()  # the pre-filled Keras cache, as the tests use
        if "KERAS_HOME" not in env:
            env["KERAS_HOME"] = (str(check_data.prepare_cache(source, workdir / "keras-home"))
                                 if source is not None else str(Path.home() / ".keras"))
        root = workdir / "notebooks"
        root.mkdir()
        notebook = args.chapter.name
        shutil.copy2(args.chapter, root / notebook)  # for (a), (c) and (d)
        (root / "trusted").mkdir()
        shutil.copy2(args.chapter, root / "trusted" / notebook)  # the same file, for (b)
        lab = Lab(jupyter, root, env)
        log(f"jupyter lab serving at {lab.url}")
        browser = Browser(lab, panel_cell_index(args.chapter), env)
        shots, states = {}, {}

        def take(key: str, title: str, text: str | None = None) -> None:
            path = workdir / f"{key}.png"
            states[key] = state = browser.photograph(path)
            log(f"({key}) {title}: {state}")
            shots[key] = (f"({key}) {title}", text or describe(state), path)

        browser.open(notebook)
        take("a", "Opened in JupyterLab, never trusted, no cell run")
        if not args.no_run:
            log("Run > Run All Cells ...")
            log(f"ran: {browser.run_all()}")
            take("c", "After Run > Run All Cells in (a)",
                 "the live panel, made by the kernel that ran the cells")
            log(f"(c) slider moved one step: {browser.nudge_slider()}")
            browser.save()
            saved = json.loads((root / notebook).read_text(encoding="utf-8"))
            shown = [output["data"][WIDGET_VIEW]["model_id"]
                     for output in saved["cells"][browser.panel_cell]["outputs"]
                     if WIDGET_VIEW in output.get("data", {})]
            kept = saved["metadata"].get("widgets", {}).get(
                "application/vnd.jupyter.widget-state+json", {}).get("state", {})
            log(f"(c) saved: the panel's output names model {shown}; the widget state saved "
                f"in the file has it: {all(model in kept for model in shown)}")
            browser.open(notebook)
            take("d", "After (c): saved, closed, opened again with a new kernel, no cell run")
        # (b): the untouched copy, after changing nothing but the trust database
        subprocess.run([str(jupyter), "trust", str(root / "trusted" / notebook)], check=True,
                       env=env, capture_output=True)
        browser.open(f"trusted/{notebook}")
        take("b", "The same file after `jupyter trust`, no cell run")
        nudged = browser.nudge_slider()  # after the photograph: it shows the saved value
        log(f"(b) slider moved one step, no cell run: {nudged}")
        shots["b"] = (shots["b"][0], describe(states["b"], nudged), shots["b"][2])
        note = (f"JupyterLab {found['jupyterlab']}, jupyterlab_widgets "
                f"{found['jupyterlab_widgets']}, ipywidgets {found['ipywidgets']}; "
                f"chapters/{notebook}")
        compose([shots[key] for key in sorted(shots)], args.out, note)
        if browser.console:
            log("browser console (errors and warnings):\n  " + "\n  ".join(
                dict.fromkeys(browser.console)))
    finally:
        try:
            if browser is not None:
                browser.close()
        finally:
            if lab is not None:
                lab.stop()
            ended = end_leftover_kernels(workdir)
            if ended:
                log(f"ended leftover kernels {ended}")
            shutil.rmtree(workdir, ignore_errors=True)
    log(f"saved {args.out} ({args.out.stat().st_size:,} bytes) in "
        f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
