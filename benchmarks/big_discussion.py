"""One very large discussion, for `show`, `due` and `export` at size (issue 17: linear in the
size of one discussion). Builds it with the store's own writer, in one transaction:

    python benchmarks/big_discussion.py OUT.db [--children 5000 --attendees 1000 --actions 10000]

then time `strategy --db OUT.db show SD-2026-0001` and the others (benchmarks/run.py does not
include it: it is a limit, not a daily command). Every name is fictional.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strategy_cli.domain.model import Action, Attendee, Child, Discussion  # noqa: E402
from strategy_cli.store import Store  # noqa: E402

AGENCIES = ["social-care", "health", "police", "education", "other"]


def build(path: Path, children: int, attendees: int, actions: int) -> str:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    store = Store(path)
    with store.writing("benchmark", now) as writer:
        discussion = Discussion(
            reference="",
            procedure="hampshire",
            categories=["standard"],
            concern_at=now - timedelta(hours=2),
            opened_at=now,
            children=[
                Child(f"Child Example {n:05d}", dob=date(2015, 1, 1) + timedelta(days=n % 4000))
                for n in range(children)
            ],
        )
        reference = writer.open_discussion(discussion)
        for n in range(attendees):
            writer.attend(
                reference, Attendee(f"Attendee Example {n:05d}", AGENCIES[n % len(AGENCIES)], "Role")
            )
        for n in range(actions):
            writer.add_action(
                reference,
                Action(
                    0,
                    f"Task number {n}",
                    f"Owner Example {n % 50}",
                    AGENCIES[n % len(AGENCIES)],
                    now + timedelta(days=1 + n % 30),
                    now,
                ),
            )
    store.close()
    return reference


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--attendees", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=10000)
    args = parser.parse_args()
    print(build(args.out, args.children, args.attendees, args.actions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
