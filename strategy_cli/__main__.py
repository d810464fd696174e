import sys


def main():
    """``python -m strategy_cli`` (and the console script): Ctrl-C even while the modules are
    still importing is the one line and exit 130, never a traceback."""
    try:
        from strategy_cli.cli import run
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
