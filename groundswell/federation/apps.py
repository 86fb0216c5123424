from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.federation"
    label = "federation"

    def ready(self) -> None:
        from . import moderated

        moderated.register()
