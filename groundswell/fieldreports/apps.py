from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.fieldreports"
    label = "fieldreports"

    def ready(self) -> None:
        from . import moderated, services

        moderated.register(
            on_decision=services.follow_moderation, refuse_approval=services.refuse_approval
        )
