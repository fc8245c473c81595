from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from moderation import urls as moderation_urls
from pages import views as pages_views
from pages.feeds import space_public_feed
from pages.media import serve_media
from portal import views
from portal.views import LoginView

urlpatterns = [
    path("connexion/", LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe-oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe-oublie/envoye/", views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("mot-de-passe-oublie/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("mot-de-passe-oublie/termine/", views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", views.legal_personal_data, name="legal_personal_data"),
    path("accessibilite/", views.legal_accessibility, name="legal_accessibility"),
    path("", include("profiles.urls")),
    path("mon-fil/", pages_views.my_feed, name="my_feed"),
    path("associations/", include("moderation.urls")),
    path("", include("assistance.urls")),
    path("", include("enrolment.urls")),
    path("messages/", include(moderation_urls.inbox_urlpatterns)),
    path("flux/espace-<int:space_id>.atom", space_public_feed, name="space_atom"),
    # Before Wagtail's own: its logout also on GET (see AdminLogoutView).
    path("admin/logout/", views.AdminLogoutView.as_view()),
    # Before Wagtail's own: the admin URLs it offers no hook to scope (pages/admin_urls.py).
    path("admin/", include("pages.admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

# Media files only after the permission check (pages/media.py), in every environment:
# the web server must not serve MEDIA_ROOT itself (docs/OPERATIONS.md).
urlpatterns.append(
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media, name="media")
)

# Wagtail's page serving comes last: every other URL is a page of the tree. Its view,
# after a two-query routing (pages.views.serve_page); Wagtail's own patterns stay
# (reversing `wagtail_serve`, its password and login utilities).
urlpatterns.append(re_path(r"^(?!_util/)((?:[\w\-]+/)*)$", pages_views.serve_page))
urlpatterns.append(path("", include(wagtail_urls)))
