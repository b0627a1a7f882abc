from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path(
        "workshops/sessions/<int:session_id>/calendar.ics",
        views.session_calendar,
        name="session_calendar",
    ),
    path("learn/video/progress/", views.lesson_progress, name="lesson_progress"),
    path("learn/video/<str:token>/", views.video_stream, name="video_stream"),
]
