from django.urls import path

from profiles import views

urlpatterns = [
    path("activer/", views.activate, name="account_activate"),
    path("charte/", views.charter, name="charter"),
    path("mes-donnees/", views.my_data, name="my_data"),
    path("mes-donnees/export.json", views.my_data_export, name="my_data_export"),
]
