from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.ideas"
    label = "ideas"

    def ready(self) -> None:
        from . import moderated

        moderated.register()
