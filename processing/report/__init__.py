"""Presentation: everything that draws or formats an analysis for people (never imported by the steps).

- ``html``: the session report (Jinja2 templates in ``templates/``), PNG and PDF figures;
- ``views`` and ``formatting``: an analysis turned into what the report shows, in words and units;
- ``plots``, ``plot_style``, ``envelope``: the figures (matplotlib), long sessions drawn as envelopes;
- ``trends``, ``trends_page``, ``trend_plots``: many sessions over days, as a page and a CSV;
- ``spreadsheet``: CSV cells safe to open in a spreadsheet.
"""
