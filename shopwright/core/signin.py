"""Password sign-in under the login throttle, shared by merchants and customers.

The caller says how to find the account and check its password; this module
applies the throttle, spends the same time whether or not the account
exists, gives the same answer either way, and audits every outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import models

from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import AuthenticationFailed, RateLimited
from shopwright.core.throttle import login_throttle_check, login_throttle_failure, login_throttle_success

if TYPE_CHECKING:
    from shopwright.stores.models import Store

Account = TypeVar("Account", bound=models.Model)


def sign_in_with_password(
    *,
    scope: str,
    area: str,
    email: str,
    password: str,
    ip: str,
    find: Callable[[str], Account | None],
    password_ok: Callable[[Account, str], bool],
    actor: Callable[[Account], Actor],
    store: Store | None = None,
) -> Account:
    """Return the account whose email and password match.

    Raises RateLimited while the account or the IP is locked out (audited as
    `login.locked_out`) and AuthenticationFailed for wrong credentials
    (audited as `login.failed`); both messages are the same for an existing
    and an unknown account.
    """
    identifier = crypto.normalise(email or "")
    try:
        login_throttle_check(scope=scope, identifier=identifier, ip=ip)
    except RateLimited:
        audit_record(action="login.locked_out", actor=Actor.anonymous(), store=store, ip=ip, details={"area": area})
        raise
    account = find(email) if email else None
    if account is None:
        make_password(password or "")  # spend the time a real check takes
        ok = False
    else:
        ok = password_ok(account, password or "")
    if not ok:
        locked = login_throttle_failure(scope=scope, identifier=identifier, ip=ip)
        audit_record(
            action="login.failed",
            actor=actor(account) if account is not None else Actor.anonymous(),
            store=store,
            obj=account,
            ip=ip,
            details={"area": area, "locked_out": locked},
        )
        raise AuthenticationFailed("The email or password is not correct.")
    assert account is not None  # ok is only True for a found account
    login_throttle_success(scope=scope, identifier=identifier, ip=ip)
    audit_record(
        action="login.succeeded", actor=actor(account), store=store, obj=account, ip=ip, details={"area": area}
    )
    return account
