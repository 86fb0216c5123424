from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.reporting"
    label = "reporting"
