from django.apps import AppConfig


class GarConfig(AppConfig):
    name = "gar"
    verbose_name = "GAR (Gestionnaire d'accès aux ressources)"

    def ready(self):
        from gar.personal_data import register_gar_parts

        register_gar_parts()
