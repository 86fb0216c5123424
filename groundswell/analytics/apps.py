from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.analytics"
    label = "analytics"

    def ready(self) -> None:
        from groundswell.lib import analytics

        from . import rollup

        # Counts kept in memory by every process (lib/analytics.py) are written through here.
        analytics.install_writer(rollup.write_pending)
        analytics.discover()
