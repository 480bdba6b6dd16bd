from django.urls import path

from . import views

app_name = "checkout"
urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.add, name="add"),
    path("cart/update/", views.update, name="update"),
    path("checkout/", views.checkout_view, name="checkout"),
    path("checkout/pay/", views.pay, name="pay"),
    path("checkout/payment/return/", views.payment_return, name="payment-return"),
    path("order/<uuid:token>/", views.confirmation, name="confirmation"),
]
