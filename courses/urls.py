from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("video/progress/", views.lesson_progress, name="lesson_progress"),
    path("video/<str:token>/", views.video_stream, name="video_stream"),
]
