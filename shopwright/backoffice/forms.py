from django import forms

from shopwright.stores.models import Role


class StoreForm(forms.Form):
    store_name = forms.CharField(label="Store name", max_length=100)
    store_handle = forms.CharField(label="Store address", max_length=63)


class InviteForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254, widget=forms.EmailInput)
    role = forms.ChoiceField(label="Role", choices=[(Role.STAFF, "Staff"), (Role.ADMIN, "Admin")])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(Role.STAFF, "Staff"), (Role.ADMIN, "Admin")])


class StaffAccountForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
