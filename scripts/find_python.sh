#!/usr/bin/env sh
# Print the path of a Python >= 3.12: $PYTHON if set, else the first suitable one on PATH or in pyenv.
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }
if [ -n "${PYTHON:-}" ]; then
  ok "$PYTHON" && { command -v "$PYTHON"; exit 0; }
  echo "PYTHON=$PYTHON is not Python >= 3.12" >&2; exit 1
fi
for candidate in python3.12 python3.13 python3 python; do
  path=$(command -v "$candidate" 2>/dev/null) && ok "$path" && { echo "$path"; exit 0; }
done
if command -v pyenv >/dev/null 2>&1; then
  for path in $(ls -d "$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do
    ok "$path" && { echo "$path"; exit 0; }
  done
fi
echo "No Python >= 3.12 found: install one or set PYTHON=/path/to/python3.12" >&2
exit 1
