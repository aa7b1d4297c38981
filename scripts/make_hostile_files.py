"""Write the catalogue of hostile files (tests/hostile_files/) to a folder, one line each.

    .venv/bin/python scripts/make_hostile_files.py FOLDER

Each line: file name, size, the outcome its import must have and what it is. The files are
built in a few seconds; the bombs among them expand to gigabytes, so do not open them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# The catalogue lives with the tests that import these files; run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile_files import CATALOGUE, write_catalogue


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the files (created if missing)")
    folder = parser.parse_args(argv).folder
    write_catalogue(folder)
    for case in CATALOGUE:
        size = (folder / case.name).stat().st_size
        outcome = "accepted" if case.accepted else f"refused: ...{case.reason}..."
        print(f"{case.name:32} {size:>12,} B  {outcome:40}  {case.what}")
    print(f"{len(CATALOGUE)} files in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
