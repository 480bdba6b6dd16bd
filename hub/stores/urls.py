from django.urls import path

from . import views

app_name = "stores"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ClerkLoginView.as_view(), name="login"),
    path("logout/", views.ClerkLogoutView.as_view(), name="logout"),
    path("<int:store_id>/", views.queue, name="queue"),
    path("orders/<uuid:pk>/", views.detail, name="detail"),
    path("orders/<uuid:pk>/scan/", views.scan, name="scan"),
    path("orders/<uuid:pk>/ready/", views.mark_ready, name="ready"),
    path("orders/<uuid:pk>/resend-code/", views.resend_code, name="resend_code"),
    path("orders/<uuid:pk>/handover/", views.handover, name="handover"),
    path("orders/<uuid:pk>/ship/", views.ship, name="ship"),
    path("orders/<uuid:pk>/transfer/<int:line_id>/", views.receive_transfer, name="transfer"),
    path("api/<int:store_id>/queue/", views.api_queue, name="api_queue"),
    path("api/orders/<uuid:pk>/", views.api_detail, name="api_detail"),
    path("api/orders/<uuid:pk>/scan/", views.api_scan, name="api_scan"),
]
