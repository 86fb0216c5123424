from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.fieldreports"
    label = "fieldreports"

    def ready(self) -> None:
        from . import moderated

        moderated.register()
