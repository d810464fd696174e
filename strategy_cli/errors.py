"""The errors a user can cause, turned into one line and an exit code in one place (cli.app)."""


class StrategyError(Exception):
    """A domain error: an unknown reference, a step in the wrong state, a rule broken (exit 1)."""

    exit_code = 1


class UsageProblem(StrategyError):
    """A value that cannot be used as given, or a required one missing (exit 2)."""

    exit_code = 2
