#!/usr/bin/env bash
# System programs the tests use, installed with the system package manager when that is
# possible without a password (root, passwordless sudo, or Homebrew):
#   graphviz  - the `dot` program behind keras.utils.plot_model (chapter 2)
#   chromium  - the real browser of tests/test_site_in_browser.py (skipped without it)
#   fonts-noto-cjk - Chinese characters in the browser's screenshots of the Chinese edition
# Building the book needs neither.
set -u
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
if command -v apt-get >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  missing+=(fonts-noto-cjk)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null && exit 0
  fi
elif command -v brew >/dev/null 2>&1; then
  brew install graphviz && exit 0
fi
echo "Could not install ${missing[*]} automatically; install them with your package manager." >&2
echo "Without graphviz, chapter 2's model drawings fail under the tests; without chromium the" >&2
echo "browser tests are skipped; without a CJK font their screenshots of Chinese pages show" >&2
echo "boxes. Building the book needs none of them." >&2
exit 0
