from django.apps import AppConfig


class GarConfig(AppConfig):
    name = "gar"
    verbose_name = "GAR (Gestionnaire d'accès aux ressources)"
