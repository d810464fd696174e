"""What a person sees: rich tables and panels, colour that carries meaning.

Imported only by commands that print for a person (never by ``--json``). The one Console is
made here; when stdout is not a terminal rich drops colour and the layout stays plain.
"""

from datetime import datetime

from rich.cells import cell_len, chop_cells
from rich.color import ColorSystem
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ..domain import rules
from ..domain.calendar import age_in_words, local
from ..domain.identifiers import shown_nhs_number
from ..domain.model import CATEGORIES, RELATIONSHIPS, households
from ..domain.text import BIDI_SHOWN
from .document import (
    Shown,
    child_json,
    circumstances,
    describe_change,
    family_json,
    family_notes,
    past_target,
    relative,
)

console = Console(highlight=False)
STATUS_STYLE = {
    "overdue": "bold red",
    "past-target": "magenta",
    "due-soon": "yellow",
    "upcoming": "green",
    "undated": "dim",
}
STATUS_WORD = {
    "overdue": "OVERDUE",
    "past-target": "past target",
    "due-soon": "due soon",
    "upcoming": "upcoming",
    "undated": "no date",
}
# A cell of a table laid out by ``_print_columns``: its lines, each with its style ("" for none).
Cell = list[tuple[str, str]]
# Every C0 and C1 control character: what the tool refuses at input, should a record hold one
# anyway (written by another program), must not reach the terminal as an escape sequence.
# rich's own strip_control_codes removes only BEL, BS, VT, FF and CR, not ESC.
# A bidirectional control held from before it was refused at input shows as U+FFFD, so text
# never reads other than it is (domain/text.py).
CONTROL = {
    **dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], " "),
    **BIDI_SHOWN,
}
IN_TEXT = {code: shown for code, shown in CONTROL.items() if chr(code) not in "\t\n"}  # lines kept


def when(instant: str | datetime | None) -> str:
    """An instant (a datetime, or the ISO text the board's items carry) in UK local time."""
    if instant is None:
        return "as soon as practicable"
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return f"{local(instant):%a %d %b %Y %H:%M}"


def _children(document: dict) -> str:
    return ", ".join(c["name"] for c in document["children"]) or "(no child recorded)"


def quoracy_line(view: Shown) -> Text:
    """The verdict and who else is expected, in the words every surface uses."""
    head, rest = view.quoracy_words
    line = Text(head, style="bold green" if view.quorate else "bold red")
    if rest:
        line.append(f"; {rest}", style="yellow")
    return line


def discussion_list(items: list[dict]) -> None:
    if not items:
        console.print("No discussions.")
        return
    headings = ["Reference", "Children", "Procedure", "Concern", "Held", "Quorate"]
    references = [item["reference"] + (" (closed)" if item["status"] == "closed" else "") for item in items]
    fixed = [
        max(len(headings[0]), *(len(r) for r in references)),
        max(len(headings[2]), *(len(item["procedure"]) for item in items)),
        len("21 Sep 2026"),
        len("21 Sep 2026"),
        len("Quorate"),
    ]
    children_width = _shared(console.width, fixed, 6)
    if children_width < 12:  # too narrow for six columns: a short block each
        _discussion_blocks(references, items)
        return
    widths = [fixed[0], children_width, *fixed[1:]]
    rows = [
        [
            [(reference, "")],
            [(line, "") for line in wrap_names(few([c["name"] for c in item["children"]]), widths[1])],
            [(item["procedure"], "")],
            _day_and_time(item["concern_at"]),
            _day_and_time(item["held_at"]),
            [("yes", "green") if item["quorate"] else ("no", "bold red")],
        ]
        for reference, item in zip(references, items, strict=True)
    ]
    _print_columns("Strategy discussions", headings, rows, widths)


def _day_and_time(text: str | None) -> Cell:
    if text is None:
        return [("-", "")]
    instant = local(datetime.fromisoformat(text))
    return [(f"{instant:%d %b %Y}", ""), (f"{instant:%H:%M}", "")]


def _discussion_blocks(references: list[str], items: list[dict]) -> None:
    """The list for a narrow terminal: reference, procedure and quoracy, then the children
    and the times."""
    console.print(Text("Strategy discussions", style="italic"))
    for reference, item in zip(references, items, strict=True):
        quorate = ("quorate", "green") if item["quorate"] else ("NOT QUORATE", "bold red")
        held = f"held {when(item['held_at'])}" if item["held_at"] else "not held yet"
        console.print()
        console.print(Text.assemble((reference, "bold"), f"  {item['procedure']}  ", quorate))
        names = ", ".join(" ".join(name.split()) for name in few([c["name"] for c in item["children"]]))
        console.print(Padding(Text(names), (0, 0, 0, 2)))
        console.print(
            Padding(Text(f"concern {when(item['concern_at'])} · {held}", style="dim"), (0, 0, 0, 2))
        )
    console.print()


def printable(value):
    """A document with every control character but tab and line break made a space, at any
    depth: rich strips only some (not ESC), and a record written by another program could
    hold one."""
    if isinstance(value, str):
        return value.translate(IN_TEXT)
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [printable(item) for item in value]
    return value


def discussion(view: Shown) -> None:
    """One discussion, readably: header, quoracy first, then the record and what is due.

    Every text a user typed goes through ``_text`` (rich markup escaped, and a control
    character a record should not hold made a space)."""
    record = view.discussion
    header = Text()
    header.append(f"{record.reference}  ", style="bold")
    header.append(f"{view.profile.name} procedure  ")
    header.append("OPEN" if record.status == "open" else "CLOSED", style="bold")
    lines = [
        f"Concern identified: {when(record.concern_at)}",
        "Categories: "
        + "; ".join(view.profile.categories.get(c, CATEGORIES.get(c, _text(c))) for c in record.categories),
    ]
    if record.held_at:
        lines.append(
            f"Held: {when(record.held_at)}"
            + (f" ({_text(record.held_format)})" if record.held_format else "")
            + (f", chaired by {_text(record.chair)}" if record.chair else "")
        )
    else:
        lines.append(f"Not yet held; due by {when(view.due)}")
    if record.summary:
        lines.append(f"Reason: {_text(record.summary)}")
    if record.referrer:
        lines.append(f"Referrer: {_text(record.referrer)}")
    if record.follows:
        lines.append(f"Follows: {_text(record.follows)}")
    if record.closed_reason:
        lines.append(f"Closed: {_text(record.closed_reason)}")
    body = Text.from_markup("\n".join(lines))
    body.append("\n")
    body.append_text(quoracy_line(view))
    console.print(Panel(body, title=header, title_align="left"))
    _children_table(view)
    _family_table(view)
    _attendees_table(view)
    _decision(view)
    _actions_table(view)
    _disagreements_table(view)
    _deadlines_table(view)
    _cleared_by_attendance(view)
    console.print(f"Checklist: {len(view.answers)} of {len(view.profile.questions)} answered.")
    for warning in view.warnings:
        console.print(f"Warning: {_text(warning)}", style="bold yellow")


def _text(value: str) -> str:
    """User text for rich markup: printable, and inert."""
    return escape(value.translate(IN_TEXT))


def few(names: list[str], shown: int = 3) -> list[str]:
    """At most three children's names and "+N more": a row of the board or the list stays a
    row whatever the size of the discussion."""
    if len(names) <= shown + 1:
        return names
    return [*names[:shown], f"+{len(names) - shown} more"]


# Rows beyond which a table of `show` is printed as plain lines: rich lays a table out at about
# 2 ms a row, so 10,000 actions would take 20 s; plain lines take milliseconds.
LARGE = 200


def _plain_rows(title: str, headings: list[str], rows: list[list[str]]) -> None:
    """A table too long for rich: its title, then one line a row, cells apart by " | "."""
    lines = [title, "  " + " | ".join(headings)]
    lines += ["  " + " | ".join(" ".join(cell.translate(IN_TEXT).split()) for cell in row) for row in rows]
    console.file.write("\n".join(lines) + "\n")


def identifiers(child) -> str:
    """A child's case-system ID and NHS number, a line each ("" when neither is recorded)."""
    found = []
    if child.case_id:
        found.append(f"case ID {child.case_id}")
    if child.nhs_number:
        found.append(f"NHS number {shown_nhs_number(child.nhs_number)}")
    return "\n".join(found)


def seen(sighting) -> str:
    """When a child was seen, by whom, whether alone ("-": not recorded)."""
    if sighting is None:
        return "-"
    how = [f"by {sighting.by}"] if sighting.by else []
    if sighting.alone is not None:
        how.append("alone" if sighting.alone else "not alone")
    return ", ".join([when(sighting.at), *how])


def _children_table(view: Shown) -> None:
    children = view.discussion.children
    with_ids = any(child.case_id or child.nhs_number for child in children)  # else no column
    headings = ["Name", "Born", "Age", "Circumstances", "Seen"] + (["Identifiers"] if with_ids else [])
    several = len(households(view.discussion)) > 1
    rows = []
    for child in children:
        flags = circumstances(child_json(child, view.on_day))
        if child.interpreter:
            flags.append(f"interpreter: {child.interpreter}")
        if several:
            flags.append(f"household {child.household}")
        born = (
            child.dob.isoformat()
            if child.dob
            else (f"unborn, due {child.edd.isoformat()}" if child.edd else "-")
        )
        age = (age_in_words(child.dob, child.edd, view.on_day) if child.dob else None) or "-"
        rows.append([child.name, born, age, ", ".join(flags) or "-", seen(child.seen)])
        if with_ids:
            rows[-1].append(identifiers(child) or "-")
    if len(rows) > LARGE:
        _plain_rows(f"Children ({len(rows)})", headings, rows)
        return
    table = Table(title="Children", title_justify="left")
    for column in headings:
        table.add_column(column, overflow="fold")  # a narrow terminal folds a word, never cuts it
    for name, born, age, circumstances_text, seen_text, *ids in rows:
        table.add_row(_text(name), born, age, _text(circumstances_text), _text(seen_text), *map(_text, ids))
    console.print(table)


def _family_table(view: Shown) -> None:
    """The family and significant adults (nothing when none is recorded); the household
    column only when the discussion covers more than one."""
    family = view.discussion.family
    if not family:
        return
    several = len(households(view.discussion)) > 1
    headings = ["Name", "Relationship", "Born", "Age", "Notes"] + (["Household"] if several else [])
    table = Table(title="Family and significant adults", title_justify="left")
    for column in headings:
        table.add_column(column, overflow="fold")
    for member in family:
        shown = family_json(member, view.on_day)
        row = [
            _text(member.name),
            RELATIONSHIPS.get(member.relationship, member.relationship),
            shown["dob"] or "-",
            "-" if shown["age"] is None else str(shown["age"]),
            _text(", ".join(family_notes(shown)) or "-"),
        ]
        table.add_row(*row, *([_text(member.household)] if several else []))
    console.print(table)


def _attendees_table(view: Shown) -> None:
    attendees = view.discussion.attendees
    if not attendees:
        console.print("Attendees: none recorded.", style="red")
        return
    if len(attendees) > LARGE:
        rows = [
            [
                view.profile.agencies.get(a.agency, a.agency),
                a.name,
                a.role or "-",
                _attendance(a),
                a.shared or "-",
            ]
            for a in sorted(attendees, key=lambda a: a.agency)
        ]
        _plain_rows(f"Attendees ({len(rows)})", ["Agency", "Name", "Role", "Attendance", "Shared"], rows)
        return
    shared = any(a.shared for a in attendees)  # else no column
    table = Table(title="Attendees", title_justify="left")
    for column in ("Agency", "Name", "Role", "Attendance") + (("Shared",) if shared else ()):
        table.add_column(column, overflow="fold")  # a narrow terminal folds a word, never cuts it
    for person in sorted(attendees, key=lambda a: a.agency):
        style = "green" if person.attendance == "present" else "yellow"
        table.add_row(
            view.profile.agencies.get(person.agency, _text(person.agency)),
            _text(person.name),
            _text(person.role or "-"),
            Text(_attendance(person), style=style),
            *([Text((person.shared or "-").translate(IN_TEXT))] if shared else []),
        )
    console.print(table)


def _attendance(person) -> str:
    """How the person took part, and whether the family version names them as its contact."""
    return f"{person.attendance}, family contact" if person.family_contact else person.attendance


def _decision(view: Shown) -> None:
    decision = view.discussion.decision
    if decision is None:
        console.print("Decision: not yet recorded.", style="yellow")
        return
    outcome = view.profile.outcome_label(decision.s47, decision.police_investigation)
    lines = [f"[bold]{_text(outcome or 'Incomplete decision')}[/]"]
    lines.append(
        f"Section 47: {_yes_no(decision.s47)}   Police investigation: {_yes_no(decision.police_investigation)}"
    )
    if decision.rationale:
        lines.append(f"Rationale: {_text(decision.rationale)}")
    if decision.share:
        lines.append(f"The family is told: {_text(decision.share)}")
    if decision.withholding:
        lines.append(f"Withheld from the family: {_text(decision.withhold or '(not described)')}")
        lines.append(f"Why withheld: {_text(decision.withhold_rationale or 'NO RATIONALE RECORDED')}")
    if decision.further_by:
        lines.append(f"Further discussion needed by {when(decision.further_by)}")
    console.print(Panel("\n".join(lines), title="Decision", title_align="left"))


def _yes_no(value) -> str:
    return "-" if value is None else "yes" if value else "no"


def _actions_table(view: Shown) -> None:
    actions = view.discussion.actions
    if not actions:
        return
    if len(actions) > LARGE:
        rows = [
            [
                str(a.number),
                a.task,
                (a.owner or "-") + (f" ({a.agency})" if a.agency else ""),
                when(a.due_at),
                when(a.done_at) if a.done_at else "-",
            ]
            for a in actions
        ]
        _plain_rows(f"Actions ({len(rows)})", ["#", "Task", "Owner", "Due", "Done"], rows)
        return
    table = Table(title="Actions", title_justify="left")
    for column in ("#", "Task", "Owner", "Due", "Done"):
        table.add_column(column, overflow="fold")  # a narrow terminal folds a word, never cuts it
    for action in actions:
        owner = _text(action.owner or "-") + (f" ({_text(action.agency)})" if action.agency else "")
        table.add_row(
            str(action.number),
            _text(action.task),
            owner,
            when(action.due_at),
            when(action.done_at) if action.done_at else "-",
        )
    console.print(table)


def _disagreements_table(view: Shown) -> None:
    """Each disagreement: who disagrees about what, their view, and where it has got to."""
    found = view.discussion.disagreements
    if not found:
        return
    table = Table(title="Disagreements and escalation", title_justify="left")
    for column in ("#", "Agency", "About", "Position", "Raised", "Escalated to", "Resolved"):
        table.add_column(column, overflow="fold")  # a narrow terminal folds a word, never cuts it
    for item in found:
        escalated = f"{_text(item.escalated_to)} ({when(item.escalated_at)})" if item.escalated_to else "-"
        resolved = (
            f"{_text(item.outcome or '')} ({when(item.resolved_at)})"
            if item.resolved_at
            else Text("open", style="bold yellow")
        )
        table.add_row(
            str(item.number),
            _text(view.profile.agencies.get(item.agency, item.agency)),
            _text(item.about),
            _text(item.position or "-"),
            when(item.raised_at),
            escalated,
            resolved,
        )
    console.print(table)


def _deadlines_table(view: Shown) -> None:
    if not view.pending:
        console.print("Nothing pending.", style="green")
        return
    if len(view.pending) > LARGE:
        rows = [
            [
                when(d.due_at) if d.due_at else "no date",
                d.title,
                STATUS_WORD[rules.status(d.due_at, view.as_of, d.maximum_at)],
                d.rule,
            ]
            for d in view.pending
        ]
        _plain_rows(f"Pending deadlines ({len(rows)})", ["Due", "What", "Status", "Rule"], rows)
        return
    table = Table(title="Pending deadlines", title_justify="left", expand=True)
    table.add_column("Due", no_wrap=True)
    table.add_column("What, and the rule", ratio=1)
    table.add_column("Status", no_wrap=True)
    for deadline in view.pending:
        status = rules.status(deadline.due_at, view.as_of, deadline.maximum_at)
        what = Text(deadline.title.translate(IN_TEXT))
        what.append("\n" + deadline.rule.translate(IN_TEXT), style="dim")
        table.add_row(
            (when(deadline.due_at).replace(" 20", "\n20", 1) if deadline.due_at else "no date")
            + (f"\nat most {when(deadline.maximum_at)}" if deadline.maximum_at else ""),
            what,
            Text(STATUS_WORD[status], style=STATUS_STYLE[status]),
        )
    console.print(table)


def _cleared_by_attendance(view: Shown) -> None:
    """The follow-ups an agency's taking part cleared, and who is the evidence (the minutes'
    "Already done" says the same)."""
    for kind, attendee in rules.cleared_by_attendance(view.discussion, view.profile):
        evidence = rules.attendance_evidence(attendee, view.profile.agencies)
        console.print(Text(f"{view.profile.title(kind)}: {evidence}".translate(IN_TEXT)), style="green")


def _board_rows(items: list[dict], explain: bool) -> list[list[dict]]:
    """One row per dated item; a discussion's follow-ups with no date share one row (each on
    its own line), so 300 open discussions do not bury what is dated. With --explain each
    keeps its own row, to show its rule."""
    rows: list[list[dict]] = []
    undated: dict[str, list[dict]] = {}
    for item in items:
        if item["due_at"] is None and not explain:
            undated.setdefault(item["reference"] or item["key"], []).append(item)
        else:
            rows.append([item])
    return rows + list(undated.values())


# Below this many columns the five-column table squeezes "what is due" out of sight, so each
# item is printed as a short block instead.
NARROW = 72


def board(
    items: list[dict], as_of: datetime, within: str, explain: bool, not_quorate: dict[str, str]
) -> None:
    """The duty manager's board, readable at 80 columns: one row an item, colour for status.
    ``not_quorate``: the held discussions that were not, each with who was missing (the words
    of ``rules.Quoracy``, as `show` and the minutes say it).

    The status column says it in words too ("2 days overdue", "in 3 h"), so the board still
    reads without colour (piped, printed, or for a colour-blind reader).
    """
    if not items:
        console.print(f"Nothing due within {within} of {as_of:%a %d %b %H:%M}.")
        return
    title = f"Due as of {as_of:%a %d %b %Y %H:%M} (next {within})"
    rows = [_board_row(group, as_of, explain, not_quorate) for group in _board_rows(items, explain)]
    if console.width < NARROW:
        _board_blocks(title, rows)
    else:
        _board_table(title, rows, explain)
    counts = {status: sum(1 for i in items if i["status"] == status) for status in STATUS_WORD}
    console.print(
        f"{len(items)} item{'s' if len(items) != 1 else ''}: "
        f"[bold red]{counts['overdue']} overdue[/], "
        + (f"[magenta]{counts['past-target']} past target[/], " if counts["past-target"] else "")
        + f"[yellow]{counts['due-soon']} due within 24 h[/], "
        f"[green]{counts['upcoming']} upcoming[/], {counts['undated']} with no date (as soon as practicable)."
    )


def _owner_line(item: dict) -> str | None:
    """An action's owner, on the line under it: the board says who it is asking."""
    if item["kind"] != "action":
        return None
    return f"owner: {item['owner']}" if item.get("owner") else "owner: not recorded"


def _board_row(group: list[dict], as_of: datetime, explain: bool, not_quorate: dict[str, str]) -> dict:
    """What one row of the board shows, in words (both layouts draw it from this)."""
    item = group[0]
    status = item["status"]
    due = None if item["due_at"] is None else local(datetime.fromisoformat(item["due_at"]))
    label = "no date" if due is None else relative(item["due_at"], as_of)
    if status == "overdue":
        label = label.replace("overdue", "OVERDUE")
    elif status == "past-target":
        label = past_target(item, as_of)
    return {
        "reference": item["reference"] or "NOT OPENED",  # an interrupted `new` (cli/due.py)
        "not_quorate": not_quorate.get(item["reference"]),
        "names": few(item["children"]),
        "titles": [[each["title"], _owner_line(each)] for each in group],  # lists: printable() cleans them
        "rule": item["rule"] if explain else None,
        "due": due,
        "status": label,
        "style": STATUS_STYLE[status],
    }


# The board's columns: reference, children, what is due, due, status, two spaces apart. The
# children and what is due share what the others leave, two parts to three.
GAP = "  "


def _print_columns(title: str, headings: list[str], rows: list[list[Cell]], widths: list[int], spaced=False):
    """A table laid out here rather than by rich's Table, which measures and wraps every cell
    of every row several times (about 0.8 ms a row: 300 open discussions took a second to
    print; see benchmarks/RESULTS.md). Widths are in terminal cells, so a name in a wide
    script still lines up; colour comes from each line's style, and none when piped."""
    rule = "─" if console.encoding.lower().startswith("utf") else "-"  # a Windows code page has no ─
    lines = [
        [(title, "italic")],
        [],
        _line([(heading, "bold") for heading in headings], widths),
        [(rule * (sum(widths) + len(GAP) * (len(widths) - 1)), "dim")],
    ]
    for number, cells in enumerate(rows):
        if spaced and number:
            lines.append([])
        for index in range(max(len(cell) for cell in cells)):
            lines.append(_line([cell[index] if index < len(cell) else ("", "") for cell in cells], widths))
    lines.append([])
    _write(lines)


def _line(line: Cell, widths: list[int]) -> Cell:
    """One line of a row: each cell padded to its column, nothing after the last one filled."""
    while line and not line[-1][0]:
        line = line[:-1]
    out: Cell = []
    for column, (text, style) in enumerate(line):
        if column:
            out.append((" " * (widths[column - 1] - cell_len(line[column - 1][0])) + GAP, ""))
        out.append((text, style))
    return out


def _write(lines: list[Cell]) -> None:
    """Lines of styled pieces, written straight to the terminal: a rich Text of a thousand
    lines is wrapped and divided again even when told not to, a third of the board's time.
    Control characters become spaces in every piece; the old Windows console, which
    takes colour only through rich's own calls, gets the Text."""
    if console.legacy_windows:
        text = Text()
        for line in lines:
            for piece, style in line:
                text.append(piece, style=style or None)
            text.append("\n")
        console.print(text, end="", no_wrap=True, overflow="crop", crop=False)
        return
    colour = console.color_system is not None and not console.no_color
    styles: dict[str, Style] = {}

    def paint(piece: str, style: str) -> str:
        piece = piece.translate(CONTROL)
        if not (colour and style and piece):
            return piece
        return styles.setdefault(style, Style.parse(style)).render(piece, color_system=ColorSystem.STANDARD)

    console.file.write("".join("".join(paint(p, s) for p, s in line) + "\n" for line in lines))
    console.file.flush()


def _shared(width: int, fixed: list[int], columns: int) -> int:
    """What the fixed columns and the gaps between all ``columns`` leave for those that wrap."""
    return width - sum(fixed) - len(GAP) * (columns - 1)


def _board_table(title: str, rows: list[dict], explain: bool) -> None:
    reference_width = max(len("Reference"), *(len(row["reference"]) for row in rows))
    status_width = max(len("Status"), *(cell_len(row["status"]) for row in rows))
    due_width = len("Wed 23 Sep")
    shared = _shared(console.width, [reference_width, due_width, status_width], 5)
    children_width = max(8, shared * 2 // 5)  # the children and what is due share it, 2 to 3
    widths = [reference_width, children_width, max(12, shared - children_width), due_width, status_width]
    headings = ["Reference", "Children", "What is due", "Due", "Status"]
    _print_columns(title, headings, [_board_cells(row, widths) for row in rows], widths, spaced=explain)


def _board_cells(row: dict, widths: list[int]) -> list[Cell]:
    what = [(line, "bold red") for line in wrap_cells(row["not_quorate"] or "", widths[2]) if line]
    what += [
        (line, style)
        for title, owner in row["titles"]
        for text, style in ((title, ""), (owner, "cyan"))
        if text
        for line in wrap_cells(text, widths[2])
    ]
    if row["rule"]:
        what += [(line, "dim") for line in wrap_cells(row["rule"], widths[2])]
    due = ["-"] if row["due"] is None else [f"{row['due']:%a %d %b}", f"{row['due']:%H:%M}"]
    return [
        [(row["reference"], "")],
        [(line, "") for line in wrap_names(row["names"], widths[1])],
        what,
        [(line, "") for line in due],
        [(row["status"], row["style"])],
    ]


def wrap_names(names: list[str], width: int) -> list[str]:
    """Children's names, as many to a line as fit, a name broken only when it cannot fit whole."""
    lines: list[str] = []
    for number, name in enumerate(names):
        name = " ".join(name.splitlines()).replace("\t", " ")  # a line break would break the row
        comma = "," if number < len(names) - 1 else ""
        if lines and cell_len(f"{lines[-1]} {name}{comma}") <= width:
            lines[-1] = f"{lines[-1]} {name}{comma}"
            continue
        if cell_len(name + comma) <= width:
            lines.append(name + comma)
            continue
        wrapped = wrap_cells(name, max(1, width - len(comma)))  # room for the comma
        lines += [*wrapped[:-1], wrapped[-1] + comma]
    return lines


def wrap_cells(text: str, width: int) -> list[str]:
    """Words into lines of at most ``width`` terminal cells; a longer word is cut."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if cell_len(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        pieces = chop_cells(word, width) if cell_len(word) > width else [word]
        lines += pieces[:-1]
        line = pieces[-1]
    return [*lines, line] if line or not lines else lines


def _board_blocks(title: str, rows: list[dict]) -> None:
    """The board for a narrow terminal: reference and status, then what is due, when, for whom."""
    console.print(Text(title, style="italic"))
    for row in map(printable, rows):  # rich prints these: it would leave ESC in
        when = "as soon as practicable" if row["due"] is None else f"by {row['due']:%a %d %b %H:%M}"
        console.print()
        console.print(Text.assemble((row["reference"], "bold"), "  ", (row["status"], row["style"])))
        what = Text(f"{row['not_quorate']}\n", style="bold red") if row["not_quorate"] else Text()
        what.append("\n".join(line for title, owner in row["titles"] for line in (title, owner) if line))
        if row["rule"]:
            what.append("\n" + row["rule"], style="dim")
        console.print(Padding(what, (0, 0, 0, 2)))
        names = ", ".join(row["names"])
        console.print(Padding(Text(f"{when} · {names}", style="dim"), (0, 0, 0, 2)))
    console.print()


def trail(reference: str, entries: list[dict]) -> None:
    """The audit trail, an entry a block (when, who, what, then the change), so it reads at
    any width: a table squeezed the change into a narrow column."""
    out = Text()
    count = f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
    out.append(f"Audit trail of {reference} ({count})\n", style="italic")
    for entry in entries:
        entry = {**entry, "by": entry["by"].translate(CONTROL)}  # the change itself is repr()
        at = f"{local(entry['at']):%Y-%m-%d %H:%M:%S}"
        out.append(f"\n{at}", style="bold")
        if cell_len(f"{at}  {entry['by']}  {entry['action']}") <= console.width:
            out.append(f"  {entry['by']}  ")
        else:  # who on lines of their own, so the action is never cropped
            out.append("\n")
            for line in wrap_cells(entry["by"], max(20, console.width - 2)):
                out.append(f"  {line}\n")
            out.append("  ")
        out.append(entry["action"], style="cyan")
        out.append("\n")
        for line in wrap_cells(describe_change(entry["detail"]), max(20, console.width - 2)):
            out.append(f"  {line}\n")
    console.print(out, end="", no_wrap=True, overflow="crop", crop=False)
