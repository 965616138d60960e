"""Forms of the privacy request pages (storefront and back office): parsing only; privacy.requests checks."""

from __future__ import annotations

from django import forms

from shopwright.privacy.models import RequestChannel, RequestKind


class ContactRequestForm(forms.Form):
    """The public privacy contact form: anyone, about the data a store holds for an email address."""

    WHO = [
        (RequestChannel.CONTACT_FORM, "I ask about my own data"),
        (RequestChannel.AGENT, "I am an authorised agent acting for the person"),
        (RequestChannel.GUARDIAN, "I am the parent or guardian of a child with an account here"),
    ]

    kind = forms.ChoiceField(label="What do you ask for?", choices=RequestKind.choices)
    email = forms.CharField(
        label="The email address the data is about",
        max_length=254,
        help_text="We email a confirmation link to this address only if we hold data for it (for a child: to the "
        "guardian's address we have on file).",
    )
    details = forms.CharField(
        label="Details (what should be corrected, your question)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    who = forms.ChoiceField(label="Who is asking?", choices=WHO, initial=RequestChannel.CONTACT_FORM)
    agent_name = forms.CharField(label="Agent's name", required=False, max_length=150)
    agent_email = forms.CharField(label="Agent's email", required=False, max_length=254)


class PlatformContactRequestForm(ContactRequestForm):
    """The platform's privacy contact form: a merchant's own account data (no children have accounts here)."""

    WHO = ContactRequestForm.WHO[:2]

    who = forms.ChoiceField(label="Who is asking?", choices=WHO, initial=RequestChannel.CONTACT_FORM)
    email = forms.CharField(
        label="The email address of the account the data is about",
        max_length=254,
        help_text="We email a confirmation link to this address only if an account uses it.",
    )


class AccountRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=RequestKind.choices, widget=forms.HiddenInput)
    details = forms.CharField(
        label="What should be corrected?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="The 6-digit code we emailed you",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label="Note to the person", required=False, max_length=2000, widget=forms.Textarea)
