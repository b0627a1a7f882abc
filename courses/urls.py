from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("sessions/<int:session_id>/calendar.ics", views.session_calendar, name="session_calendar"),
]
