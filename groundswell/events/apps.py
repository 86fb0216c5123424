from django.apps import AppConfig


class Config(AppConfig):
    default = True
    name = "groundswell.events"
    label = "events"
