"""One module per ``backmon`` command; each has ``add_parser(commands)`` and sets ``run``.

To add a command, write its module and list it in ``COMMANDS`` (the order is the help's order).
"""

COMMANDS = (
    "analyze",
    "import_cmd",  # the command "import" (a Python keyword, so not the module's name)
    "batch",
    "simulate",
    "report",
    "trends",
    "library",
    "checkin",
    "programme",
    "decode",
    "scan",
    "monitor",
    "ctl",
)
