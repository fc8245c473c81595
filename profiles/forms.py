from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts

from profiles.models import DataRequest


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Votre demande", choices=DataRequest.Kind.choices)
    school = forms.ModelChoiceField(
        label="Elle concerne", queryset=None, required=False,
        empty_label="Mon compte en général (services de l'académie)",
        help_text="Choisissez une école pour que sa direction la traite.",
    )
    message = forms.CharField(
        label="Précisez", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
        help_text="Par exemple : « mon nom est mal orthographié, il s'écrit … ».",
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class DataRequestCloseForm(forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = ["status", "response"]
        labels = {"status": "Décision", "response": "Réponse au demandeur"}

    def __init__(self, *args, **kwargs):
        kwargs.pop("for_user", None)
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            c for c in DataRequest.Status.choices if c[0] != DataRequest.Status.OPEN
        ]
        self.fields["response"].required = True


class ActivationForm(forms.Form):
    """/activer/: the code printed by the school, and the password she chooses. The
    rules (code, password validators) are `profiles.activation.activate`'s."""

    code = forms.CharField(
        label="Code d'activation", max_length=40, strip=True,
        help_text="Le code est imprimé sur le papier remis par l'école, par exemple ABCD-EFGH-JK. "
                  "Les tirets, les espaces et les minuscules ne comptent pas.",
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false",
        }),
        error_messages={"required": "Saisissez le code imprimé sur le papier remis par l'école."},
    )
    password = forms.CharField(
        label="Mot de passe choisi", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choisissez un mot de passe."},
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Saisissez le même mot de passe une seconde fois."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The rules of the validators in force (AUTH_PASSWORD_VALIDATORS), in French.
        self.fields["password"].help_text = " ".join(password_validators_help_texts())
