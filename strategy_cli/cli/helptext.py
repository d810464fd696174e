"""What every command's ``--help`` adds to its options: examples, placeholders that say what
goes there, and the environment variables that stand in for an option.

Kept here, by command and by option name, not in each command's signature: ``shell.py`` dresses
every command from these tables as the Click command is built, so a new option only needs its
line here (a test lists any option left without one). Plain data: imported on every run.
"""

# One or two lines a duty manager could type, for each command and subcommand. The references,
# names and dates are the fictional ones the README and the demo use.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "new": (
        'strategy new --child "Ava Example" --dob 02/03/2015 --category serious-harm --procedure hampshire',
        "strategy new --follows SD-2026-0001",
    ),
    "list": ("strategy list", "strategy list --all --json"),
    "show": ("strategy show SD-2026-0001", "strategy show SD-2026-0001 --json"),
    "child add": (
        'strategy child add SD-2026-0001 --name "Ben Example" --dob 14/07/2019 --looked-after',
        'strategy child add SD-2026-0001 --name "Baby Example" --edd 01/02/2027',
    ),
    "child edit": (
        'strategy child edit SD-2026-0001 "Ava Example" --dob 03/02/2015',
        'strategy child edit SD-2026-0001 "Ava Example" --interpreter Polish',
    ),
    "child remove": (
        'strategy child remove SD-2026-0001 "Ben Example" --reason "Entered on the wrong discussion"',
    ),
    "family add": (
        'strategy family add SD-2026-0001 --name "Mia Example" --relationship mother --dob 01/03/2009',
        'strategy family add SD-2026-0001 --name "Leo Example" --relationship father --household 2',
    ),
    "family edit": ('strategy family edit SD-2026-0001 "Mia Example" --care-needs',),
    "family remove": (
        'strategy family remove SD-2026-0001 "Leo Example" --reason "Entered on the wrong discussion"',
    ),
    "edit": ('strategy edit SD-2026-0001 --concern-at "20/11/2026 09:30" --category serious-harm',),
    "attend": (
        'strategy attend SD-2026-0001 --name "Pat Police" --agency police --role "Detective constable"',
        'strategy attend SD-2026-0001 --name "Hana Health" --agency health --apologies',
    ),
    "held": ('strategy held SD-2026-0001 --at "today 15:00" --format virtual --chair "Sam Social"',),
    "checklist": (
        "strategy checklist SD-2026-0001",
        "strategy checklist SD-2026-0001 --answers answers.toml --no-input",
        "strategy checklist --questions --procedure hampshire --json",
    ),
    "decide": (
        'strategy decide SD-2026-0001 --s47 --no-police --rationale "Injury not explained; siblings at home"',
        "strategy decide SD-2026-0001 --further-by 31/12/2026",
    ),
    "action add": (
        'strategy action add SD-2026-0001 --task "Paediatric assessment" --owner "Hana Health" '
        '--agency health --due "tomorrow 5pm"',
    ),
    "action done": ("strategy action done SD-2026-0001 1",),
    "action edit": ("strategy action edit SD-2026-0001 1 --due 30/11/2026",),
    "action remove": ('strategy action remove SD-2026-0001 2 --reason "Entered twice"',),
    "record": (
        'strategy record SD-2026-0001 child-seen --child "Ava Example" --by "Sam Social" --alone '
        '--at "today 11:00"',
        "strategy record SD-2026-0001 lado-informed",
    ),
    "disagreement add": (
        'strategy disagreement add SD-2026-0001 --agency police --about "Whether to interview the child now" '
        '--position "Interview today, before the evidence is lost"',
    ),
    "disagreement escalate": (
        'strategy disagreement escalate SD-2026-0001 1 --to "Senior managers, police and social care"',
    ),
    "disagreement resolve": (
        'strategy disagreement resolve SD-2026-0001 1 --outcome "Joint visit agreed by both managers"',
    ),
    "due": ("strategy due", "strategy due --within 36h --kind action --ics duty.ics"),
    "export": (
        "strategy export SD-2026-0001 --format html --output minutes.html",
        "strategy export SD-2026-0001 --audience family --format pdf",
        "strategy export SD-2026-0001 --audience family --household 2",
    ),
    "log": ("strategy log SD-2026-0001",),
    "close": ('strategy close SD-2026-0001 --reason "No further action: early help in place"',),
    "reopen": ('strategy reopen SD-2026-0001 --reason "New information from the school"',),
    "procedures": ("strategy procedures",),
    "procedures show": ("strategy procedures show hampshire",),
    "procedures check": ("strategy procedures check localshire.toml",),
    "procedures new": (
        'strategy procedures new localshire --from hampshire --name "Localshire Partnership"',
    ),
    "procedures adopt": (
        "strategy procedures adopt localshire",
        'strategy procedures adopt localshire --apply --reason "Quorum now includes education"',
    ),
    "demo": ("strategy demo",),
    "paths": ("strategy paths", "strategy paths --json"),
    "check": ("strategy check", "strategy check --quick --json"),
    "backup": ("strategy backup strategy-backup.db",),
    "restore": ("strategy restore strategy-backup.db --yes",),
    "migrate": (
        "strategy --db postgresql://it-admin@db.council.internal/strategy migrate --create-roles",
        "strategy migrate --json",
    ),
    "copy": (
        "strategy copy --to postgresql://it-admin@db.council.internal/strategy",
        "strategy --db postgresql://m.example@db.council.internal/strategy copy --to team-copy.db",
    ),
    "completion": ("strategy completion bash", "strategy completion powershell"),
}

# The placeholder shown after an option that takes a value (and for an argument, by its
# parameter name): what goes there, never Click's ``<str>``. A "COMMAND --option" key is for
# that command only.
PLACEHOLDERS: dict[str, str] = {
    # arguments
    "reference": "REF",
    "name": "NAME",
    "number": "N",
    "event": "EVENT",
    "profile_id": "ID",
    "path": "FILE",
    "shell": "SHELL",
    # the options before the command
    "--db": "DATABASE",
    "copy --to": "DATABASE",
    "--by": "NAME",
    # people
    "--child": "NAME",
    "--name": "NAME",
    "--owner": "NAME",
    "--chair": "NAME",
    # dates and times
    "--dob": "DATE",
    "--edd": "DATE",
    "--concern-at": "WHEN",
    "--at": "WHEN",
    "--as-of": "WHEN",
    "--due": "WHEN",
    "--further-by": "WHEN",
    "--within": "DURATION",
    # ids from the procedure profiles and the domain
    "--agency": "ID",
    "--category": "ID",
    "--procedure": "ID",
    "--from": "ID",
    "--kind": "KIND",
    "--section": "ID",
    "--format": "FORMAT",
    "--audience": "AUDIENCE",
    "--follows": "REF",
    "--case-id": "ID",
    "--relationship": "ID",
    "--household": "NAME",
    "--nhs-number": "NUMBER",
    # files
    "--output": "FILE",
    "--ics": "FILE",
    "--answers": "FILE",
    # free text, as the record keeps it (@FILE reads it from a file where the help says so)
    "--summary": "TEXT",
    "--referrer": "TEXT",
    "--rationale": "TEXT",
    "--share": "TEXT",
    "--withhold": "TEXT",
    "--withhold-rationale": "TEXT",
    "--reason": "TEXT",
    "--task": "TEXT",
    "--about": "TEXT",
    "--position": "TEXT",
    "--to": "TEXT",
    "--outcome": "TEXT",
    "--role": "TEXT",
    "--contact": "TEXT",
    "--shared": "TEXT",
    "--interpreter": "LANGUAGE",
    "--expect": "HEAD",
}

# An option that an environment variable stands in for when it is not given.
OPTION_ENVIRONMENT: dict[str, str] = {
    "new --procedure": "STRATEGY_PROCEDURE",
    "checklist --procedure": "STRATEGY_PROCEDURE",
}

# The environment variables a command's help names (the overview lists them all).
COMMAND_ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "new": ("STRATEGY_PROCEDURE",),
    "checklist": ("STRATEGY_PROCEDURE",),
    "export": ("STRATEGY_BROWSER",),
}


def lookup(table: dict, path: str, name: str):
    """The entry for ``name`` in ``COMMAND name`` form first (the command's own), else by name."""
    return table.get(f"{path} {name}", table.get(name))


def examples(path: str, subcommands: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """A command's examples; a group (``child``, ``action``) shows its own, else its
    subcommands' first ones."""
    if path in EXAMPLES:
        return EXAMPLES[path]
    return tuple(EXAMPLES[f"{path} {sub}"][0] for sub in subcommands if f"{path} {sub}" in EXAMPLES)


# Each shell, and the line that installs its script (shown in the help).
SHELLS = {
    "bash": 'eval "$(strategy completion bash)"            (in ~/.bashrc)',
    "zsh": 'eval "$(strategy completion zsh)"             (in ~/.zshrc, after compinit)',
    "fish": "strategy completion fish > ~/.config/fish/completions/strategy.fish",
    "powershell": "strategy completion powershell | Out-String | Invoke-Expression   (in $PROFILE)",
}
