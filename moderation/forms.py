"""The member's form (portal, never the admin). It shows errors early; the service
(`services.message_save`) checks everything again — the form is one door of several."""

from django import forms

from moderation import content
from moderation.models import Audience
from profiles.models import SchoolClass, current_school_year

RULES = [
    ("Neutralité", "Le message ne fait aucune propagande politique, religieuse ou commerciale ; "
     "il ne soutient ni ne combat aucun candidat, parti, culte ou entreprise."),
    ("Discrétion professionnelle", "Il ne révèle rien de la vie privée des élèves, des familles "
     "ou des personnels : ni nom d'enfant, ni photo d'un enfant sans l'accord de ses parents, ni "
     "information personnelle."),
    ("Correction", "Il est écrit avec correction, sans propos injurieux, diffamatoires ni "
     "discriminatoires, et ne met personne en cause."),
    ("Dignité", "Il respecte la dignité de chacun, élèves, familles et personnels, et l'image "
     "du service public de l'éducation."),
    ("Objet", "Il concerne la vie de l'école et l'objet de l'association (réunions, élections de "
     "parents, sorties, fêtes, actions de soutien…)."),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": ",".join(f".{e}" for e in content.ACCEPTED_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    subject = forms.CharField(
        label="Objet", max_length=content.SUBJECT_MAX,
        error_messages={"required": "Donnez un objet au message.",
                        "max_length": "L'objet fait au plus %(limit_value)d caractères."})
    body = forms.CharField(
        label="Texte du message", widget=forms.Textarea(attrs={"rows": 12}),
        max_length=content.BODY_MAX,
        help_text="Séparez les paragraphes par une ligne vide. Mise en forme possible en HTML "
                  "simple : <strong>gras</strong>, <em>italique</em>, listes <ul><li>, liens "
                  "<a href=\"https://…\">.",
        error_messages={"required": "Écrivez le texte du message.",
                        "max_length": "Le texte fait au plus %(limit_value)d caractères."})
    audience = forms.ChoiceField(label="Destinataires", choices=Audience.choices,
                                 widget=forms.RadioSelect, initial=Audience.PARENTS)
    audience_classes = forms.ModelMultipleChoiceField(
        label="Classes (si « certaines classes »)", queryset=SchoolClass.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Cette classe n'est pas une classe de l'école cette année.",
                        "invalid_pk_value": "Classe inconnue."})
    files = MultipleFileField(
        label="Pièces jointes (PDF ou images, 5 Mo au plus chacune)", required=False)
    remove_attachments = forms.TypedMultipleChoiceField(
        label="Retirer des pièces jointes", required=False, coerce=int,
        widget=forms.CheckboxSelectMultiple)
    rules_accepted = forms.BooleanField(
        label="Je confirme que ce message respecte la neutralité, la discrétion professionnelle, "
              "la correction et la dignité (règles ci-dessus).", required=False)

    def __init__(self, *args, school, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["audience_classes"].queryset = SchoolClass.objects.filter(
            school=school, school_year=current_school_year()).order_by("name")
        self.fields["remove_attachments"].choices = [(a.pk, a.name) for a in attachments]
        if not attachments:
            del self.fields["remove_attachments"]

    def clean_subject(self):
        return content.clean_subject(self.cleaned_data.get("subject"))

    def clean_body(self):
        return content.clean_body(self.cleaned_data.get("body"))

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        for upload in files:
            content.clean_attachment(upload)
        return files

    def clean(self):
        data = super().clean()
        if data.get("audience") == Audience.CLASSES and not data.get("audience_classes") and \
                "audience_classes" not in self.errors:
            self.add_error("audience_classes", "Choisissez au moins une classe.")
        return data


class SubmitForm(forms.Form):
    rules_accepted = MessageForm.base_fields["rules_accepted"]


class PreferenceForm(forms.Form):
    declines_associations = forms.BooleanField(
        label="Je ne souhaite plus recevoir les messages des associations de parents d'élèves",
        required=False)
