"""Typed values to text: the JSON documents (``document``), the terminal's views and board
(``terminal``, ``feedback``), the minutes (``minutes`` with ``render``'s Jinja environment) and
the calendar file. Nothing here reads the database or decides a rule; each module is imported
by the command that needs it (rich and Jinja cost start-up time)."""
