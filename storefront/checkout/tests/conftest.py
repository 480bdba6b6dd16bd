from commerce.checkout.testing import shop_eur, shop_jpy  # noqa: F401
from commerce.payment.testing import localstripe, stripe_sandbox  # noqa: F401
