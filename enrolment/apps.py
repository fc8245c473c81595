from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "enrolment"
    verbose_name = "Inscriptions des écoles"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from enrolment import signals
        from enrolment.personal_data import register_enrolment_parts

        user_logged_in.connect(signals.tell_inactive_schools, dispatch_uid="enrolment-login")
        register_enrolment_parts()
