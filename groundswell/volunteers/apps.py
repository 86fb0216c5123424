from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.volunteers"
    label = "volunteers"
