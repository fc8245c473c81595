"""The portal's own views: login, password reset, and the legal pages (reachable from
every page and without having accepted the charter)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.generic import TemplateView
from wagtail.admin.views import account as wagtail_account

from portal import ratelimit
from portal.forms import LoginForm, PasswordResetForm
from portal.security import client_ip


class LoginView(auth_views.LoginView):
    """The portal's login page, for the site and for the Wagtail admin.

    A logged-in user sent here by a page she may not open (a parent following a
    link to the admin) is told so, instead of being bounced back and forth."""

    template_name = "portal/login.html"
    authentication_form = LoginForm

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not self.get_redirect_url():
                return redirect(self.get_default_redirect_url())
            return self.render_to_response(self.get_context_data(access_denied=True))
        return super().get(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """« Mot de passe oublié ? »: a mail with a one-time link, to the address recorded on
    the account. The answer is the same whether an account matches or not; the number of
    requests is limited per address and per identifier typed (`RATE_LIMITS`), counted
    the same way whether the account exists or not."""

    template_name = "portal/password_reset/form.html"
    email_template_name = "portal/password_reset/email.txt"
    subject_template_name = "portal/password_reset/subject.txt"
    form_class = PasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        identifier = form.cleaned_data["email"].strip().casefold()
        if not (
            ratelimit.hit("password_reset_ip", client_ip(self.request))
            and ratelimit.hit("password_reset_account", identifier)
        ):
            form.add_error(None, (
                "Trop de demandes de réinitialisation en peu de temps : aucun message n'a été "
                "envoyé. Réessayez dans une heure, ou adressez-vous au directeur de votre école."
            ))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset/done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset/confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password lifts the login throttling of that username (every address).
        from axes.utils import reset

        reset(username=form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset/complete.html"


class AdminLogoutView(wagtail_account.LogoutView):
    """Wagtail's admin logout, also on GET. Django's LogoutView answers a GET with 405,
    and Wagtail's then deletes the browser's session cookie anyway: the user believes she
    is logged out while her session stays valid on the server. Here a GET logs out too
    (the session is flushed), then goes to the login page."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return self.post(request, *args, **kwargs)


class LegalPage(TemplateView):
    pass


legal_notice = LegalPage.as_view(template_name="portal/legal/legal_notice.html")
legal_personal_data = LegalPage.as_view(template_name="portal/legal/personal_data.html")
legal_accessibility = LegalPage.as_view(template_name="portal/legal/accessibility.html")
