from django.urls import path

from moderation import views

app_name = "associations"

urlpatterns = [
    path("", views.member_home, name="home"),
    path("<int:association_id>/ecrire/<int:school_id>/", views.message_new, name="message_new"),
    path("messages/<int:message_id>/", views.message_detail, name="message"),
    path("messages/<int:message_id>/modifier/", views.message_edit, name="message_edit"),
    path("messages/<int:message_id>/soumettre/", views.message_submit, name="message_submit"),
    path("messages/<int:message_id>/retirer/", views.message_withdraw, name="message_withdraw"),
    path("pieces-jointes/<int:attachment_id>/", views.attachment_download, name="attachment"),
]

inbox_urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:delivery_id>/", views.inbox_message, name="inbox_message"),
    path("tout-lire/", views.inbox_mark_all_read, name="inbox_mark_all_read"),
    path("preference/", views.inbox_preference, name="inbox_preference"),
]
