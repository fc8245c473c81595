"""Approval by the director of publication: the one custom Wagtail task type.

The approver of a page is resolved from its space **at decision time**, from the
directory (`RoleGrant.objects.current()`): the school's director of publication, the
collectivity's référent ville. Not from group membership, which lags until the
nightly derivation.
"""

from wagtail.models import Task


class DirectorApprovalTask(Task):
    """« Validation par la direction de publication de l'espace »."""

    admin_form_fields = Task.admin_form_fields

    class Meta:
        verbose_name = "validation par la direction de publication"
        verbose_name_plural = "validations par la direction de publication"

    @classmethod
    def get_description(cls):
        return (
            "La directrice ou le directeur de publication de l'espace de la page (ou le "
            "référent ville pour une commune), lu dans l'annuaire au moment de décider, "
            "approuve (ce qui publie) ou demande des modifications."
        )
