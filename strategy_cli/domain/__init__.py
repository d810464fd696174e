"""The pure core: the procedures' rules over plain values. No I/O, no Typer, no SQLite."""
