from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("ce-transcript/", views.ce_transcript, name="ce_transcript"),
    path("two-factor-required/", views.mfa_required, name="mfa_required"),
    path("your-data/", views.your_data, name="your_data"),
    path("your-data/download.json", views.your_data_json, name="your_data_json"),
    path("delete/", views.account_delete, name="account_delete"),
    path("privacy/", views.privacy, name="privacy"),
    path("devices/<int:device_pk>/sign-out/", views.device_sign_out, name="device_sign_out"),
    path(
        "registrations/<int:registration_id>/cancel/",
        views.registration_cancel,
        name="registration_cancel",
    ),
]
