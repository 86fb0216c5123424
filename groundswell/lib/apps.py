from django.apps import AppConfig


class Config(AppConfig):
    """The shared helpers; an app only for the rate-limit counters' table."""

    default = True
    name = "groundswell.lib"
    label = "lib"

    def ready(self) -> None:
        from . import worklog  # noqa: F401 - connects its task_finished receiver
