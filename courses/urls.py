from django.urls import path

from . import door_views, home_study_views, stream_views, views, waitlist_views

app_name = "courses"

urlpatterns = [
    path(
        "workshops/sessions/<int:session_id>/calendar.ics",
        views.session_calendar,
        name="session_calendar",
    ),
    # Waiting list: join (sold-out sessions), see your place, leave.
    path(
        "workshops/sessions/<int:session_id>/waiting-list/",
        waitlist_views.waitlist_join,
        name="waitlist_join",
    ),
    path(
        "waiting-list/<int:entry_id>/leave/", waitlist_views.waitlist_leave, name="waitlist_leave"
    ),
    path("learn/video/progress/", views.lesson_progress, name="lesson_progress"),
    # Home-study CE: the masterclass's graded test and its attempts (members).
    path(
        "learn/home-study/attempts/<int:attempt_id>/",
        home_study_views.home_study_attempt,
        name="home_study_attempt",
    ),
    path("learn/home-study/<slug:slug>/", home_study_views.home_study_test, name="home_study_test"),
    path("learn/video/<str:token>/", views.video_stream, name="video_stream"),
    # Adaptive streams and captions: every URL signed for one viewer, checked each time.
    path("learn/hls/<str:token>/master.m3u8", stream_views.hls_master, name="hls_master"),
    path("learn/hls/<str:token>/poster.jpg", stream_views.hls_poster, name="hls_poster"),
    path(
        "learn/hls/<str:token>/<str:rendition>/index.m3u8",
        stream_views.hls_variant,
        name="hls_variant",
    ),
    path(
        "learn/hls/<str:token>/<str:rendition>/<str:segment>",
        stream_views.hls_segment,
        name="hls_segment",
    ),
    path(
        "learn/captions/<str:token>/<str:language>.vtt",
        stream_views.caption_track,
        name="caption_track",
    ),
    # Event staff: check-in and the attendee tools (permission courses.check_in_attendees).
    path("staff/sessions/", views.staff_sessions, name="staff_sessions"),
    # The check-in app (PWA): service worker and manifest under /staff/, door list, sync.
    path("staff/sw.js", door_views.door_service_worker, name="door_service_worker"),
    path("staff/manifest.webmanifest", door_views.door_manifest, name="door_manifest"),
    path(
        "staff/sessions/<int:session_id>/door/attendees/",
        door_views.door_attendees,
        name="door_attendees",
    ),
    path("staff/sessions/<int:session_id>/door/sync/", door_views.door_sync, name="door_sync"),
    path("staff/sessions/<int:session_id>/check-in/", views.staff_check_in, name="staff_check_in"),
    path("staff/sessions/<int:session_id>/check-in/scan/", views.staff_scan, name="staff_scan"),
    path(
        "staff/sessions/<int:session_id>/attendees/<int:registration_id>/attendance/",
        views.staff_attendance,
        name="staff_attendance",
    ),
    path("staff/sessions/<int:session_id>/walk-in/", views.staff_walk_in, name="staff_walk_in"),
    path("staff/sessions/<int:session_id>/message/", views.staff_message, name="staff_message"),
    path(
        "staff/sessions/<int:session_id>/certificates/",
        views.staff_certificates_issue,
        name="staff_certificates_issue",
    ),
    path(
        "staff/sessions/<int:session_id>/waiting-list/",
        waitlist_views.staff_waitlist,
        name="staff_waitlist",
    ),
    path(
        "staff/sessions/<int:session_id>/waiting-list/<int:entry_id>/move/",
        waitlist_views.staff_waitlist_move,
        name="staff_waitlist_move",
    ),
    path(
        "staff/sessions/<int:session_id>/waiting-list/<int:entry_id>/remove/",
        waitlist_views.staff_waitlist_remove,
        name="staff_waitlist_remove",
    ),
    path(
        "staff/certificates/<int:certificate_id>/reissue/",
        views.staff_certificate_reissue,
        name="staff_certificate_reissue",
    ),
    # Public verification (the QR code on the PDF) and the attendee's own download.
    path("certificates/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:code>/pdf/", views.certificate_download, name="certificate_download"),
]
