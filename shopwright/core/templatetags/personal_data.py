"""Template filters that mask personal data: {{ value|mask_email }}."""

from django import template

from shopwright.core import masking

register = template.Library()
register.filter("mask_email", masking.mask_email)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_name", masking.mask_name)
register.filter("mask_ip", masking.mask_ip)
register.filter("mask_text", masking.mask_text)
