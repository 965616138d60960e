from typing import Any

from django import forms

from shopwright.customers.models import Gender


class RegisterForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.CharField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password and not like your email or name.",
    )
    date_of_birth = forms.CharField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"})
    )
    guardian_email = forms.CharField(
        label="Parent or guardian (only if you are under 14)",
        max_length=254,
        required=False,
        widget=forms.EmailInput(),
        help_text="Their email address: under 14, your account starts once a parent or guardian agrees.",
    )

    def __init__(self, *args: Any, ask_date_of_birth: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not ask_date_of_birth:
            # The store does not ask (its switch in the back office): no age gate on the page.
            del self.fields["date_of_birth"]
            del self.fields["guardian_email"]


class LoginForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)


class ProfileForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150)
    nickname = forms.CharField(label="Nickname (shown on your reviews)", max_length=50, required=False)
    real_name = forms.CharField(label="Real name", max_length=150, required=False)
    gender = forms.ChoiceField(label="Gender", choices=[("", "—"), *Gender.choices], required=False)
    date_of_birth = forms.CharField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place_of_residence = forms.CharField(label="Place of residence", max_length=200, required=False)
    avatar = forms.FileField(label="Avatar (shown on your reviews)", required=False)


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(label="Current password", strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(
        label="New password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254, widget=forms.EmailInput)


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(
        label="New password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
