from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Messages des associations"

    def ready(self):
        from moderation.personal_data import register_moderation_parts

        register_moderation_parts()
