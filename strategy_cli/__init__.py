"""strategy: convene, record and chase multi-agency strategy discussions."""

__version__ = "0.2.0"
