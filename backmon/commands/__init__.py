"""One module per ``backmon`` command; each has ``add_parser(commands)`` and sets ``run``.

To add a command, write its module and list it in ``COMMANDS`` (the order is the help's order),
and its name and aliases in ``COMMAND_WORDS`` (the CLI then imports only the command it runs;
tests/backmon/test_cli.py checks the two agree).
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

# The words that name each command on the command line (its name and aliases): its module.
COMMAND_WORDS = {
    "analyze": "analyze", "analyse": "analyze",
    "import": "import_cmd",
    **{name: name for name in ("batch", "simulate", "report", "trends", "library", "checkin", "programme", "decode",
                               "scan", "monitor", "ctl")},
}
