"""Lay the acceptance-next files this project has taken on beside the shared acceptance conftest.

``../shared/acceptance-next/conftest.py`` is a symbolic link to ``../acceptance/conftest.py``
that reaches us as a plain file holding that path, so pytest cannot import it where it lies.
This copies the real conftest and each resolved issue's test file into
``build/acceptance-next/`` (ignored by git), which the README's test command then runs.
"""

import shutil
import sys
from pathlib import Path

# The acceptance-next files whose issues are resolved: part of the contract from then on.
TAKEN_ON = ["test_one_owner.py", "test_procedures_v2.py"]


def main() -> int:
    here = Path(__file__).resolve().parent.parent
    shared = here.parent / "shared"
    target = here / "build" / "acceptance-next"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copyfile(shared / "acceptance" / "conftest.py", target / "conftest.py")
    for name in TAKEN_ON:
        shutil.copyfile(shared / "acceptance-next" / name, target / name)
    print(f"acceptance-next: {', '.join(TAKEN_ON)} laid in {target.relative_to(here)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
