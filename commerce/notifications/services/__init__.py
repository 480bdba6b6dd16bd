"""Public API of the email flows. Other apps import from here only.

    from commerce.notifications.services import send_order_confirmation
    send_order_confirmation(order)          # inside or outside a transaction
"""

from .consent import (
    ConsentError,
    consent_confirm,
    consent_request,
    consent_withdraw,
    marketing_allowed,
    unsubscribe_with_token,
)
from .coupons import (
    CouponError,
    CouponErrorCode,
    coupon_check,
    coupon_discount,
    coupon_redeem,
    coupon_release,
)
from .feedback import FeedbackError, nps_comment, nps_record
from .flows import FlowRunResult, flow_run, flows_run_all
from .mailer import (
    DeliveryResult,
    deliver_due,
    deliver_messages,
    idempotency_key,
    message_requeue,
    send_email,
)
from .staff import send_merchant_alert
from .suppression import suppression_add, suppression_remove, tracking_event_record
from .transactional import (
    send_account_confirmation,
    send_checkout_payment_failed,
    send_order_cancelled,
    send_order_confirmation,
    send_order_refunded,
    send_order_shipped,
    send_password_reset,
    send_payment_failed,
    send_picked_up,
    send_pickup_reminder,
    send_ready_for_pickup,
    send_safely,
    tracking_url_for,
)

__all__ = [
    "ConsentError", "CouponError", "CouponErrorCode", "DeliveryResult", "FeedbackError",
    "FlowRunResult", "consent_confirm", "consent_request", "consent_withdraw", "coupon_check",
    "coupon_discount", "coupon_redeem", "coupon_release", "deliver_due", "deliver_messages",
    "flow_run", "flows_run_all", "idempotency_key", "marketing_allowed", "message_requeue",
    "nps_comment", "nps_record", "send_account_confirmation", "send_checkout_payment_failed",
    "send_email", "send_merchant_alert", "send_order_cancelled", "send_order_confirmation",
    "send_order_refunded",
    "send_order_shipped", "send_password_reset", "send_payment_failed", "send_picked_up",
    "send_pickup_reminder", "send_ready_for_pickup", "send_safely", "suppression_add",
    "suppression_remove", "tracking_event_record", "tracking_url_for", "unsubscribe_with_token",
]
