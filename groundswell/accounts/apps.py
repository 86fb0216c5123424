from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Models outside models.py register when their module is imported.
        from . import security_models  # noqa: F401
