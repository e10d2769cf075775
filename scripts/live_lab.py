"""A pinned JupyterLab, started for one script and removed after it, opened in Chromium.

Shared by scripts/panel_states_screenshot.py (the picture of a panel's states),
scripts/jupyterlab_folds.py (what a fresh notebook folds) and scripts/panels_live.py (the
panels driven as a learner would):

    with live_lab.session("panels-live-", lab_venv, notebooks, keras_home=True) as lab:
        lab.browser.open("03_compile_fit.ipynb")
        lab.browser.run_all()

session() makes a throwaway virtual environment outside the repository with JupyterLab
4.6.6 (pinned here: LAB_PACKAGES) and the book's ipywidgets 8.1.9 and ipykernel 7.4.0 (or
reuses the one at `lab_venv`), puts every Jupyter folder (config, data with the trust
database, runtime, settings, workspaces, HOME, IPYTHONDIR) in a temporary folder, registers
the book's own Python (this interpreter: the pinned TensorFlow and Keras) as the kernel
`python3` for this server only, copies the notebooks into the server's root, starts
`jupyter lab` on 127.0.0.1 (a free port, a token, no browser) and headless Chromium through
Playwright. The server, its kernels, the browser and the temporary folder are removed
however the block ends; nothing is written to the home folder.
"""
from __future__ import annotations

import contextlib
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
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "data"))
import check_data  # noqa: E402
from tensorboard_server import free_port  # noqa: E402

# JupyterLab as pinned for these scripts, with the book's own widget packages
# (requirements.txt; tests/test_panel_states_picture.py checks they agree).
LAB_PACKAGES = ["jupyterlab==4.6.6", "ipywidgets==8.1.9", "ipykernel==7.4.0"]
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


class Browser:
    """Headless Chromium on the server; `panel_cell` is the index of the cell whose
    output output() returns (panel_states_screenshot.py photographs it)."""

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


# -- one session: server, kernel, browser -----------------------------------------------------

@dataclass
class Session:
    workdir: Path  # the temporary folder that holds everything
    env: dict  # the environment of the server, its kernels and Chromium
    jupyter: Path  # the `jupyter` of JupyterLab's venv
    versions: dict  # jupyterlab, jupyter_server, jupyterlab_widgets, ipywidgets
    root: Path  # the server's root: the copied notebooks
    lab: Lab
    browser: Browser


@contextlib.contextmanager
def session(prefix: str, lab_venv: Path | None = None, notebooks=(),
            keras_home: bool = False, panel_cell: int = 0):
    """A started JupyterLab and Chromium; `notebooks` are (source, name under the root)
    pairs or paths (copied by their file names). keras_home: the kernels read the
    pre-filled Keras cache the tests use (data/check_data.py), or ~/.keras."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    lab = browser = None
    try:
        env = jupyter_env(workdir)
        venv = lab_venv.resolve() if lab_venv else workdir / "lab-venv"
        jupyter = ensure_lab(venv, dict(os.environ))  # the user's own pip settings
        found = versions(venv)
        log("versions: " + ", ".join(f"{name} {version}" for name, version in found.items()))
        register_kernel(env)
        quiet_lab(env)
        if keras_home and "KERAS_HOME" not in env:
            source = check_data.default_source()
            env["KERAS_HOME"] = (str(check_data.prepare_cache(source, workdir / "keras-home"))
                                 if source is not None else str(Path.home() / ".keras"))
        root = workdir / "notebooks"
        root.mkdir()
        for entry in notebooks:
            source, name = entry if isinstance(entry, tuple) else (entry, Path(entry).name)
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
        lab = Lab(jupyter, root, env)
        log(f"jupyter lab serving at {lab.url}")
        browser = Browser(lab, panel_cell, env)
        yield Session(workdir, env, jupyter, found, root, lab, browser)
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
