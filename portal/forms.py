from django import forms
from django.contrib.auth import forms as auth_forms, get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q

UserModel = get_user_model()


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


class PasswordResetForm(auth_forms.PasswordResetForm):
    """« Mot de passe oublié ? »: the username or the e-mail address of the account.

    The mail goes to the address recorded on the account, never to the one typed in.
    Whether an account matches is never shown: the answer is the same either way."""

    email = forms.CharField(
        label="Identifiant ou adresse électronique",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": "Indiquez votre identifiant ou votre adresse électronique."},
    )

    def get_users(self, email):
        identifier = (email or "").strip()
        email_field = UserModel.get_email_field_name()
        matching = UserModel._default_manager.filter(
            Q(**{f"{email_field}__iexact": identifier}) | Q(**{UserModel.USERNAME_FIELD: identifier}),
            is_active=True,
        ).exclude(**{email_field: ""})
        return (user for user in matching if user.has_usable_password())

