"""A merchant answers only verified requests: an unverified one (nobody proven to have asked) cannot be refused."""

from __future__ import annotations

import pytest

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.core.models import Email
from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus
from shopwright.privacy.requests import request_refuse
from tests.factories import make_customer, make_merchant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [RequestStatus.VERIFYING, RequestStatus.AWAITING_SUBJECT, RequestStatus.COMPLETED])
def test_refusing_a_request_that_is_not_open_changes_nothing_and_mails_nobody(status):
    signup = make_merchant()
    customer = make_customer(signup.store)
    request = DataRequest.objects.create(
        store=signup.store,
        kind=RequestKind.EXPORT,
        status=status,
        channel=RequestChannel.CONTACT_FORM,
        customer=customer,
        subject_email=customer.email,
    )
    mails = Email.objects.count()
    with pytest.raises(ApplicationError) as refused:
        request_refuse(request=request, actor=Actor.user(signup.user), reason="No.")
    assert refused.value.code == "bad_state"
    request.refresh_from_db()
    assert request.status == status and request.resolution == ""
    assert Email.objects.count() == mails
