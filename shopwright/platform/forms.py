from django import forms
from django_countries import countries

from shopwright.stores.models import BusinessScale, Industry


class SignupForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password and not like your email or name.",
    )
    full_name = forms.CharField(label="Your name", max_length=150)
    phone = forms.CharField(label="Phone", max_length=32, widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    country = forms.ChoiceField(label="Country or region", choices=[("", "Choose…"), *countries])
    industry = forms.ChoiceField(label="Industry", choices=[("", "Choose…"), *Industry.choices])
    business_scale = forms.ChoiceField(label="Business scale", choices=[("", "Choose…"), *BusinessScale.choices])
    store_name = forms.CharField(label="Store name", max_length=100)
    store_handle = forms.CharField(
        label="Store address",
        max_length=63,
        help_text="Your store will be at <address>.{domain}. Letters, digits and hyphens.",
    )
    agree = forms.BooleanField(label="I have read the platform privacy policy.", required=True)


class LoginForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)
