"""Copy the browser libraries the book needs into _site_assets/vendor, so the site works offline.

The rendered book needs three JavaScript libraries at view time: RequireJS and the
Jupyter widgets HTML manager (to draw the saved widget state) and MathJax (to typeset
formulas). By default Jupyter Book loads them from public CDNs, which fails without
internet. They are installed from the npm registry instead (`npm ci`, pinned by
package-lock.json) and copied before every build into _site_assets/vendor, which Sphinx copies to the site
as <site>/vendor (html_extra_path in _config.yml). The folder is not committed.

    npm ci && python scripts/vendor_site_assets.py
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULES = REPO / "node_modules"
VENDOR = REPO / "_site_assets" / "vendor"  # becomes <site>/vendor (html_extra_path)

# (package, what to copy from it, where it goes relative to _site_assets/vendor, files to leave out)
ASSETS = [
    ("requirejs", "require.js", "require.js", ()),
    # The widget manager loads its fonts from <page folder>/@jupyter-widgets/html-manager/dist,
    # and every page with widgets is in chapters/ (see _config.yml).
    ("@jupyter-widgets/html-manager", "dist", "../chapters/@jupyter-widgets/html-manager/dist",
     ("*.map", "embed.js*", "libembed-amd.js")),
    # ... and the widget controls load the same icon fonts from <page folder>/@jupyter-widgets.
    ("@jupyter-widgets/html-manager", "dist", "../chapters/@jupyter-widgets",
     ("*.js", "*.map", "*.txt")),
    ("mathjax", "es5", "mathjax", ()),
]


def main() -> int:
    lock = REPO / "package-lock.json"
    if not MODULES.is_dir() or not lock.is_file():
        print("node_modules is missing: run `npm ci` first (Node.js and npm are needed to build the book).",
              file=sys.stderr)
        return 1
    shutil.rmtree(VENDOR.parent, ignore_errors=True)
    VENDOR.mkdir(parents=True)
    for package, source, target, leave_out in ASSETS:
        origin = MODULES / package / source
        if not origin.exists():
            print(f"{origin.relative_to(REPO)} is missing: run `npm ci` again.", file=sys.stderr)
            return 1
        if origin.is_dir():
            shutil.copytree(origin, VENDOR / target, ignore=shutil.ignore_patterns(*leave_out),
                            dirs_exist_ok=True)
        else:
            shutil.copy2(origin, VENDOR / target)
        version = json.loads((MODULES / package / "package.json").read_text())["version"]
        shown = (VENDOR / target).resolve().relative_to(REPO)
        print(f"  {package}@{version}: {source} -> {shown.as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
