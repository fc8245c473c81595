from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """The portal's login form, with French labels and messages."""

    error_messages = {
        "invalid_login": (
            "Identifiant ou mot de passe incorrect. Vérifiez votre saisie ; "
            "les majuscules comptent."
        ),
        "inactive": "Ce compte est désactivé. Adressez-vous au directeur de votre école.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Identifiant"
        self.fields["password"].label = "Mot de passe"
