from django.urls import path

from assistance import views

app_name = "assistance"

urlpatterns = [
    path("signaler/publication/<int:page_id>/", views.report_publication, name="report_page"),
    path("signaler/message/<int:message_id>/", views.report_message, name="report_message"),
    path("signalements/", views.my_reports, name="reports"),
    path("aide/", views.help_list, name="help_list"),
    path("aide/nouvelle/", views.help_new, name="help_new"),
    path("aide/<int:request_id>/", views.help_detail, name="help_detail"),
    path("aide/<int:request_id>/clore/", views.help_close, name="help_close"),
]
