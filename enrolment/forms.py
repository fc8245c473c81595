from django import forms
from django.core.exceptions import ValidationError

from enrolment import services


class SchoolChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, school):
        return f"{school.name} — {school.city} (UAI {school.uai})"


class EnrolmentForm(forms.Form):
    """The collectivity's form; every rule is `services.clean_form` (the service applies
    it again)."""

    legal_name = forms.CharField(label="Raison sociale de la collectivité", max_length=200,
                                 help_text="Par exemple « Commune de Toulouse ».")
    siret = forms.CharField(label="SIRET du siège", max_length=20,
                            help_text="14 chiffres, sur l'avis de situation SIRENE.")
    address = forms.CharField(label="Adresse du siège", max_length=300)
    representative_first_name = forms.CharField(label="Prénom du représentant", max_length=100)
    representative_last_name = forms.CharField(label="Nom du représentant", max_length=100)
    representative_capacity = forms.CharField(
        label="En qualité de", max_length=100, help_text="Maire, président du regroupement…")
    schools = SchoolChoiceField(
        label="Écoles inscrites", queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une école.",
                        "invalid_choice": "Choisissez des écoles de la liste.",
                        "invalid_pk_value": "Choisissez des écoles de la liste."})

    def __init__(self, *args, collectivity, schools, taken=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.collectivity = collectivity
        self.fields["schools"].queryset = schools
        self.taken = set(taken)
        for name, field in self.fields.items():
            field.error_messages.setdefault("required", f"Indiquez : {field.label.lower()}.")
            if name != "schools":
                field.required = True

    def clean(self):
        data = super().clean()
        try:
            data.update(services.clean_form(self.collectivity, self.data))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)
        return data


class ChangeSchoolsForm(forms.Form):
    schools = SchoolChoiceField(
        label="Écoles inscrites", queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une école.",
                        "invalid_choice": "Choisissez des écoles de la liste.",
                        "invalid_pk_value": "Choisissez des écoles de la liste."})

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = schools
