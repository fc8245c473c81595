from django.urls import path

from enrolment import views

app_name = "enrolment"

urlpatterns = [
    path("inscription/", views.home, name="home"),
    path("inscription/collectivite/<int:collectivity_id>/", views.new, name="new"),
    path("inscription/<int:enrolment_id>/", views.detail, name="detail"),
    path("inscription/<int:enrolment_id>/convention/<int:document_id>/", views.download,
         name="download"),
]
