"""Storefront pages; mounted by shopwright.store_urls.

Each area has its own module: catalog pages (home, collections, products,
sitemap), search, cart and favourites, and the customer account.
"""

from django.urls import include, path

from shopwright.storefront import views

app_name = "storefront"
urlpatterns = [
    path("", include("shopwright.storefront.catalog_urls")),
    path("search/", include("shopwright.storefront.search_urls")),
    path("cart/", include("shopwright.storefront.cart_urls")),
    path("favourites/", include("shopwright.storefront.favourite_urls")),
    path("checkout/", include("shopwright.storefront.checkout_urls")),
    path("orders/", include("shopwright.storefront.order_urls")),
    path("orders/", include("shopwright.storefront.payment_urls")),
    path("account/orders/", include("shopwright.storefront.account_order_urls")),
    path("account/addresses/", include("shopwright.storefront.address_urls")),
    path("privacy/requests/", include("shopwright.storefront.privacy_request_urls")),
    path("privacy/guardian/", include("shopwright.storefront.guardian_urls")),
    path("privacy/", include("shopwright.storefront.consent_urls")),
    path("account/privacy/", include("shopwright.storefront.account_privacy_urls")),
    path("account/", views.account, name="account"),
    path("account/register/", views.register, name="register"),
    path("account/login/", views.login_view, name="login"),
    path("account/logout/", views.logout_view, name="logout"),
    path("account/profile/", views.profile, name="profile"),
    path("account/settings/", views.settings_view, name="settings"),
    path("account/password-reset/", views.password_reset_request, name="password_reset"),
    path("account/password-reset/<str:token>/", views.password_reset_confirm, name="password_reset_confirm"),
]
