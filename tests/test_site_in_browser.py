"""The rendered book as a reader meets it: every page in a real browser, offline.

Builds the site (scripts/build_book.sh), serves _build/html on 127.0.0.1, and drives
headless Chromium (Debian's `chromium`, through Playwright's Python package) through
every page of the table of contents. A screenshot of each page is saved in
_build/screenshots/. Skipped when no Chromium is installed, unless BOOK_REQUIRE_BROWSER=1
(as in CI), where a missing browser is a failure.
"""
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading

import polib
import pytest

from notebooks import CHAPTERS, REPO, load

CHROMIUM = os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("BOOK_REQUIRE_BROWSER") == "1"
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - only without the requirements installed
    sync_playwright = None

if not (CHROMIUM and sync_playwright):
    if REQUIRED:
        raise RuntimeError("BOOK_REQUIRE_BROWSER=1 but Chromium or Playwright is missing "
                           "(apt-get install chromium; pip install -r requirements.txt)")
    pytest.skip("no Chromium here: install Debian's `chromium` to run the browser tests",
                allow_module_level=True)

SITE = REPO / "_build" / "html"
SHOTS = REPO / "_build" / "screenshots"
TOC = (REPO / "_toc.yml").read_text(encoding="utf-8")
PAGES = [re.search(r"^root:\s*(\S+)", TOC, re.M).group(1)] + re.findall(r"^\s*- file:\s*(\S+)", TOC, re.M)
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def widget_outputs(page):
    """How many widget views the page's notebook stores (0 for the intro)."""
    if not page.startswith("chapters/"):
        return 0
    notebook = load(REPO / f"{page}.ipynb")
    return sum("application/vnd.jupyter.widget-view+json" in output.get("data", {})
               for cell in notebook["cells"] for output in cell.get("outputs", []))


def stored_images(page):
    """(image outputs of cells, image outputs saved inside widget state) of the page's notebook."""
    if not page.startswith("chapters/"):
        return 0, 0
    notebook = load(REPO / f"{page}.ipynb")
    in_cells = sum("image/png" in output.get("data", {})
                   for cell in notebook["cells"] for output in cell.get("outputs", []))
    state = notebook.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    in_widgets = sum("image/png" in output.get("data", {})
                     for model in state.get("state", {}).values() if model["model_name"] == "OutputModel"
                     for output in model["state"].get("outputs", []))
    return in_cells, in_widgets


def notebook_title(page):
    if not page.startswith("chapters/"):
        return re.match(r"#\s+(.+)", (REPO / f"{page}.md").read_text(encoding="utf-8")).group(1).strip()
    first = next(cell for cell in load(REPO / f"{page}.ipynb")["cells"] if cell["cell_type"] == "markdown")
    text = first["source"] if isinstance(first["source"], str) else "".join(first["source"])
    return re.match(r"#\s+(.+)", text).group(1).strip()


def plain(title):
    """A markdown title as the page shows it: no code marks, straight quotes."""
    return title.replace("`", "").replace("\u2019", "'").replace("\u2018", "'")


@pytest.fixture(scope="module")
def site_url():
    build = subprocess.run(["bash", str(REPO / "scripts" / "build_book.sh")], cwd=REPO,
                           env={**os.environ, "BOOK_PYTHON": sys.executable},  # this environment's
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Visit:
    """A page opened in a fresh tab, with every console error and failed request recorded."""

    def __init__(self, browser, url):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.problems = []
        self.page.on("console", lambda message: message.type == "error"
                     and self.problems.append(f"console: {message.text}"))
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda request: self.problems.append(f"failed: {request.url}"))
        self.page.on("response", lambda response: response.status >= 400
                     and self.problems.append(f"HTTP {response.status}: {response.url}"))
        self.page.goto(url, wait_until="networkidle")

    def close(self):
        self.page.close()


def wait_until_drawn(page, page_name):
    """Wait for what is drawn after load: the saved panels (the widget manager renders
    them from the stored state), formulas and images. Returns the panels expected."""
    expected_widgets = widget_outputs(page_name)
    if expected_widgets:
        page.wait_for_function(
            f"document.querySelectorAll('.cell_output .jupyter-widgets.widget-vbox').length >= {expected_widgets}",
            timeout=30_000)
    if page.locator(".math").count():
        # attached, not visible: a formula may sit in a folded dropdown
        page.wait_for_selector("mjx-container", state="attached", timeout=30_000)
    page.evaluate("""Promise.all(Array.from(document.images).map(image => image.complete ? null :
                     new Promise(done => { image.onload = image.onerror = done; })))""")
    return expected_widgets


ZH = "zh_CN"  # the Chinese edition: _build/html/zh_CN, catalogs in locales/zh_CN


def chinese_title(page):
    """The page's title as the Chinese catalog translates it."""
    catalog = polib.pofile(str(REPO / "locales" / ZH / "LC_MESSAGES" / f"{page}.po"))
    return catalog.find(notebook_title(page)).msgstr


@pytest.mark.parametrize("language", ["en", ZH])
@pytest.mark.parametrize("page_name", PAGES)
def test_page_renders_completely(browser, site_url, page_name, language):
    prefix = "" if language == "en" else f"{ZH}/"
    visit = Visit(browser, f"{site_url}/{prefix}{page_name}.html")
    page = visit.page
    try:
        expected_widgets = wait_until_drawn(page, page_name)

        shown = plain(page.locator("h1").first.inner_text().strip())
        title = notebook_title(page_name) if language == "en" else chinese_title(page_name)
        assert shown.endswith(plain(title)), shown
        toc_links = page.locator("nav.bd-docs-nav a.reference.internal")
        assert toc_links.count() >= len(CHAPTERS), "the table of contents lists every chapter"

        broken = page.evaluate("Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)")
        assert not broken, f"images not displayed: {broken}"
        in_cells, in_widgets = stored_images(page_name)
        shown_in_widgets = page.locator(".cell_output .jupyter-widgets img").count()
        assert page.locator(".cell_output img").count() - shown_in_widgets >= in_cells
        assert shown_in_widgets >= in_widgets, "widget panels show their saved plots"

        views = page.locator(".cell_output .jupyter-widgets.widget-vbox")
        controls = page.locator(".cell_output .jupyter-widgets :is(.widget-slider, .widget-dropdown, "
                                ".widget-select-multiple, .widget-text, .widget-button)")
        assert views.count() >= expected_widgets
        if expected_widgets:
            assert controls.count() >= expected_widgets, "each widget shows its controls"

        solutions = page.locator(".tag_hide-cell details")
        if page_name.startswith("chapters/"):
            assert solutions.count() >= 2, "exercise solutions are hidden behind toggles"
            first = solutions.first
            assert not first.locator(".cell_input").is_visible()
            first.locator("summary").click()
            assert first.locator(".cell_input").is_visible(), "a solution opens on click"

        shot = f"{prefix.replace('/', '__')}{page_name.replace('/', '__')}.png"
        page.screenshot(path=str(SHOTS / shot), full_page=True)
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


@pytest.mark.parametrize("page_name", ["intro", "chapters/03_compile_fit", "glossary"])
def test_language_switch_lands_on_the_same_page(browser, site_url, page_name):
    visit = Visit(browser, f"{site_url}/{page_name}.html")
    page = visit.page
    try:
        page.locator(".btn-language-switch").first.click()
        page.wait_for_url(f"{site_url}/{ZH}/{page_name}.html")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.locator(".btn-language-switch").first.click()
        page.wait_for_url(f"{site_url}/{page_name}.html")
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


@pytest.mark.parametrize("word, page_name", [
    ("回调", "chapters/09_callbacks"),        # a word in running text
    ("学习率调度", "chapters/09_callbacks"),  # a glossary term: jieba keeps it whole
    ("网络容器", "glossary"),                 # an older name, found on the glossary
    ("层", "chapters/01_layers"),             # one character: Sphinx alone drops it
    ("保存模型", "chapters/04_save_load"),    # two words typed without a space
])
def test_chinese_search_finds_chinese_words(browser, site_url, word, page_name):
    visit = Visit(browser, f"{site_url}/{ZH}/search.html?q={word}")
    try:
        # the summary gets its count once every result is listed
        visit.page.wait_for_function(
            "/\\d/.test(document.querySelector('#search-results .search-summary')"
            "?.innerText || '')", timeout=30_000)
        hits = visit.page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.href)")
        assert any(f"/{ZH}/{page_name}.html" in hit for hit in hits), hits
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


def test_chinese_pages_launch_and_download_the_chinese_notebook(browser, site_url):
    visit = Visit(browser, f"{site_url}/{ZH}/chapters/01_layers.html")
    try:
        hrefs = visit.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        colab = [h for h in hrefs if "colab.research.google.com" in h]
        assert colab and all(f"/main/{ZH}/chapters/01_layers.ipynb" in h for h in colab), colab
        served = visit.page.request.get(f"{site_url}/{ZH}/_sources/chapters/01_layers.ipynb")
        assert served.body() == (REPO / ZH / "chapters" / "01_layers.ipynb").read_bytes()
    finally:
        visit.close()


@pytest.mark.parametrize("word, chapter", [("BackupAndRestore", "09b_custom_callbacks"), ("Softmax", "01_layers")])
def test_search_finds_a_word_from_a_chapter(browser, site_url, word, chapter):
    visit = Visit(browser, f"{site_url}/search.html?q={word}")
    try:
        visit.page.wait_for_selector("#search-results li", timeout=30_000)
        hits = visit.page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.href)")
        assert any(f"chapters/{chapter}.html" in hit for hit in hits), hits
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


def test_pages_load_nothing_from_the_internet():
    html = "\n".join(path.read_text(encoding="utf-8") for path in SITE.rglob("*.html"))
    external = set(re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html))
    assert not external, f"pages load from the internet: {sorted(external)}"


sys.path.insert(0, str(REPO / "scripts"))
from lesson_metrics import LIMITS, MEASURE_PAGE  # noqa: E402


@pytest.mark.parametrize("page_name", PAGES)
def test_page_fits_a_laptop_and_a_phone(browser, site_url, page_name):
    """At 1280x800: at most LIMITS['screens'] screens (folded cells folded) and no
    code or output block that scrolls sideways; at 390 px: no page wider than the phone."""
    laptop = browser.new_page(viewport={"width": 1280, "height": 800})
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        laptop.goto(f"{site_url}/{page_name}.html", wait_until="networkidle")
        wait_until_drawn(laptop, page_name)  # measured once panels and formulas are drawn
        laptop.wait_for_timeout(500)
        found = laptop.evaluate(MEASURE_PAGE)
        screens = found["height"] / 800
        assert screens <= LIMITS["screens"], f"{screens:.1f} screens at 1280x800"
        assert not found["sideways"], f"blocks that scroll sideways at 1280 px: {found['sideways']}"
        phone.goto(f"{site_url}/{page_name}.html", wait_until="networkidle")
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390-px phone"
    finally:
        laptop.close()
        phone.close()


def heading_texts(html):
    """The text of each h1-h4 of a built page, without section numbers."""
    found = re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, re.S)
    texts = [re.sub(r"<[^>]+>", "", h).replace("#", "").strip() for h in found]
    return [re.sub(r"^(\d+\.)+\s*", "", t).strip() for t in texts]


@pytest.mark.parametrize("page_name", PAGES)
def test_chinese_pages_show_translated_headings(site_url, page_name):
    """Sphinx keeps a translation only if it reads as one paragraph, and drops
    the others without a warning: no heading may stay English."""
    catalog = polib.pofile(str(REPO / "locales" / ZH / "LC_MESSAGES" / f"{page_name}.po"))
    translated = {re.sub(r"^(\d+\.)+\s*", "", e.msgid.replace("`", "")).strip()
                  for e in catalog if e.msgstr and e.msgstr != e.msgid}
    html = (SITE / ZH / f"{page_name}.html").read_text(encoding="utf-8")
    english = [h for h in heading_texts(html) if h in translated]
    assert not english, f"headings left in English: {english}"
