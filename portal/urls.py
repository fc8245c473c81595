from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

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
    # Before Wagtail's own: its logout also on GET (see AdminLogoutView).
    path("admin/logout/", views.AdminLogoutView.as_view()),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving comes last: every other URL is a page of the tree.
urlpatterns.append(path("", include(wagtail_urls)))
