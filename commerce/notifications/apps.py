from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "commerce.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # anymail reports provider webhooks (bounces, complaints) only through its
        # ``tracking`` signal: that library API is the one signal we connect.
        from anymail.signals import tracking

        from .receivers import on_anymail_tracking

        tracking.connect(on_anymail_tracking, dispatch_uid="notifications.anymail_tracking")
