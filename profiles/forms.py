from django import forms

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
