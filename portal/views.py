"""The portal's own views: login, and the legal pages (reachable from every page and
without having accepted the charter)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.views.generic import TemplateView

from portal.forms import LoginForm


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


class LegalPage(TemplateView):
    pass


legal_notice = LegalPage.as_view(template_name="portal/legal/legal_notice.html")
legal_personal_data = LegalPage.as_view(template_name="portal/legal/personal_data.html")
legal_accessibility = LegalPage.as_view(template_name="portal/legal/accessibility.html")
