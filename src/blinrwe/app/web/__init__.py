"""The web page (``blinrwe serve``): the pipeline behind a local web app, in English and Chinese.

Modules: :mod:`.server` (configuration, rendering, middleware, start-up), :mod:`.routes`
(the start and study pages, and the route table), :mod:`.settings_pages` and
:mod:`.run_pages` (settings; runs and reports), :mod:`.pages` (what every handler needs),
:mod:`.workspace` (one private folder per study), :mod:`.jobs` (worker
processes with bounded queues), :mod:`.tasks` (what a worker does: pipeline calls),
:mod:`.forms` (the settings form generated from the specification's declaration),
:mod:`.security` (access, CSRF, headers, a log without ids).
"""

from .server import WebConfig, create_app, serve

__all__ = ["WebConfig", "create_app", "serve"]
