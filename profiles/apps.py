from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Annuaire"

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

        from profiles import personal_data, privileges, services
        from profiles.models import Charter, User

        # Like django.contrib.sites' SITE_CACHE: a saved or deleted charter clears
        # the cached required version (publishing a charter saves it).
        post_save.connect(services.charter_cache_clear, sender=Charter,
                          dispatch_uid="profiles.charter_cache_clear.save")
        post_delete.connect(services.charter_cache_clear, sender=Charter,
                            dispatch_uid="profiles.charter_cache_clear.delete")
        personal_data.register_profiles_parts()
        # Who may change whose account: checked on the model, for every door.
        pre_save.connect(privileges.check_user_save, sender=User,
                         dispatch_uid="profiles.privileges.save")
        pre_delete.connect(privileges.check_user_delete, sender=User,
                           dispatch_uid="profiles.privileges.delete")
