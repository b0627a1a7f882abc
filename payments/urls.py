from django.urls import path

from . import membership_views, views

app_name = "payments"

urlpatterns = [
    path("register/<int:session_id>/", views.register, name="register"),
    path("masterclass/<int:masterclass_id>/buy/", views.masterclass_buy, name="masterclass_buy"),
    path("orders/<uuid:reference>/", views.order_detail, name="order"),
    path("orders/<uuid:reference>/pay/", views.order_pay, name="order_pay"),
    path("orders/<uuid:reference>/paid/", views.checkout_return, name="checkout_return"),
    path("tickets/<str:code>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:code>/workshop.ics", views.ticket_ics, name="ticket_ics"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("membership/", membership_views.membership_join, name="membership_join"),
    path("membership/welcome/", membership_views.membership_return, name="membership_return"),
    path("membership/manage/", membership_views.membership_manage, name="membership_manage"),
]
