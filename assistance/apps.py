from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "Assistance et signalements"

    def ready(self):
        from assistance.personal_data import register_assistance_parts

        register_assistance_parts()
