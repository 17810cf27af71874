"""Reports and their formats: :mod:`.formats` turns a :class:`~.formats.Report` into a rich table,
CSV, JSON, Markdown or LaTeX and writes it; :mod:`.tables`, :mod:`.reports` and :mod:`.formulas`
build the reports of each command from the library's results."""
