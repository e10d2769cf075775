#!/usr/bin/env bash
# Graphviz's `dot` program draws model graphs (keras.utils.plot_model in chapter 2).
# Installs it with the system package manager when that is possible without a password.
set -u
command -v dot >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq graphviz >/dev/null && exit 0
  fi
elif command -v brew >/dev/null 2>&1; then
  brew install graphviz && exit 0
fi
echo "Graphviz's 'dot' program is missing and could not be installed automatically." >&2
echo "Install it with your package manager (e.g. 'sudo apt-get install graphviz' or 'brew install graphviz')." >&2
echo "Building the book does not need it; running the tests (chapter 2 draws model graphs) does." >&2
exit 0
