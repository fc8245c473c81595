from django import forms

from assistance.models import HELP_TEXT_MAX_LENGTH, TEXT_MAX_LENGTH, HelpCategory, ReportReason


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="Motif du signalement", choices=ReportReason.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif du signalement.",
                        "invalid_choice": "Choisissez le motif du signalement."})
    text = forms.CharField(
        label="Précisions (facultatif, sauf « Autre motif »)", required=False,
        max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ce que vous avez vu et pourquoi cela pose problème. Seule la direction de "
                  "publication lira votre signalement et saura qu'il vient de vous ; l'auteur "
                  "n'en est pas informé.")


class HelpRequestForm(forms.Form):
    destination = forms.ChoiceField(
        label="À qui s'adresse votre demande ?", widget=forms.RadioSelect,
        error_messages={"required": "Choisissez à qui adresser votre demande.",
                        "invalid_choice": "Choisissez à qui adresser votre demande parmi ce qui "
                                          "vous est proposé."})
    category = forms.ChoiceField(
        label="Catégorie", choices=[("", "— Choisissez —"), *HelpCategory.choices],
        error_messages={"required": "Choisissez la catégorie de votre demande.",
                        "invalid_choice": "Choisissez la catégorie de votre demande."})
    text = forms.CharField(
        label="Votre demande", max_length=HELP_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Décrivez votre demande."},
        help_text="La page d'où vous écrivez et votre navigateur sont joints à la demande, "
                  "pour aider à comprendre le problème.")
    depuis = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, destinations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = [(d.key, d.label) for d in destinations]
        if len(destinations) == 1:
            self.fields["destination"].initial = destinations[0].key


class HelpReplyForm(forms.Form):
    text = forms.CharField(label="Votre message", max_length=HELP_TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": "Écrivez votre message."})
