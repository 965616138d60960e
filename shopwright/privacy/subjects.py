"""Who a data subject is, and where its data lies: found by following the data map, never a list of models.

A subject is a store customer (its `customers.Customer` row), a platform user
(its `stores.User` row), or a guest known only by an email at one store. Its
rows are found in three ways, all declared in the data map:

1. seeds: the subject's own account row, and every row whose email blind
   index (a LINK index of a CONTACT field) matches the email under any data
   key, within the subject's store;
2. a reverse foreign-key closure: every mapped foreign key that points at a
   row already found leads to more rows. A key that `owns_row` makes the row
   the subject's own (exported, erased per its map, followed further); any
   other key only names the subject (`cut`: erasure empties that key, the
   row stays and is not followed). Keys are never followed forward, so the
   walk never reaches stores, products or variants;
3. finders (`datamap.register_finder`): links that are not foreign keys
   (audit-log ids, sessions, keyed hashes).

Every query is scoped to the subject's store for tenant tables and goes
through an index on (store, key) or (key): the cost follows the subject's
data, not the platform's size (tests/privacy/test_engine_subjects.py checks
that every followed key has such an index).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models

from shopwright.core import crypto
from shopwright.core.models import TenantModel
from shopwright.core.tenancy import cross_store_access
from shopwright.privacy import datamap

# Keeps IN lists under every database's limit on query parameters.
CHUNK = 2000


class SubjectKind:
    CUSTOMER = "customer"
    USER = "user"
    GUEST = "guest"


@dataclass(frozen=True)
class DataSubject:
    """One person whose data is looked up: plain values only, so a job can rebuild it after a restart.

    `root_label`/`root_id` name the account row (none for a guest); `email`
    is the address whose blind index finds the rest (orders placed as a
    guest, queued mail); `store_id` is None for a platform user.
    """

    kind: str
    store_id: int | None
    root_label: str
    root_id: int | None
    email: str

    @classmethod
    def for_customer(cls, customer: Any) -> DataSubject:
        return cls(SubjectKind.CUSTOMER, customer.store_id, customer._meta.label_lower, customer.pk, customer.email)

    @classmethod
    def for_user(cls, user: Any) -> DataSubject:
        return cls(SubjectKind.USER, None, user._meta.label_lower, user.pk, user.email)

    @classmethod
    def for_email(cls, store: Any, email: str) -> DataSubject:
        """A guest: no account, found by the email's blind index in one store."""
        return cls(SubjectKind.GUEST, getattr(store, "pk", store), "", None, email)

    @property
    def root_model(self) -> type[models.Model] | None:
        return apps.get_model(self.root_label) if self.root_label else None

    def root(self) -> models.Model | None:
        """The account row, or None for a guest or once it is erased."""
        model = self.root_model
        if model is None or self.root_id is None:
            return None
        return _scoped(model, self).filter(pk=self.root_id).first()

    def email_index_candidates(self) -> list[str]:
        return crypto.blind_index_candidates(self.email) if self.email else []


@dataclass
class SubjectGraph:
    """The primary keys of the subject's own rows per model, and of rows that only name it (per linking field)."""

    owned: dict[type[models.Model], set[Any]] = field(default_factory=dict)
    cut: dict[type[models.Model], dict[str, set[Any]]] = field(default_factory=dict)
    # Rows a finder found that are about the subject without being its own (an audit entry of
    # its sign-in): exported; erasure empties only the finder's fields.
    about: dict[type[models.Model], set[Any]] = field(default_factory=dict)
    # How many links from the root or a seed each model was first found at: erasure works from
    # the deepest rows up, so an interrupted run still finds what it has not done yet.
    depth: dict[type[models.Model], int] = field(default_factory=dict)
    level: int = 0

    def reached(self, model: type[models.Model]) -> None:
        self.depth.setdefault(model, self.level)

    def add_owned(self, model: type[models.Model], pks: Iterable[Any]) -> set[Any]:
        have = self.owned.setdefault(model, set())
        new = set(pks) - have
        have |= new
        if new:
            self.reached(model)
        return new

    def add_cut(self, model: type[models.Model], field_name: str, pks: Iterable[Any]) -> None:
        pks = set(pks)
        if pks:
            self.cut.setdefault(model, {}).setdefault(field_name, set()).update(pks)
            self.reached(model)

    def count(self) -> int:
        return sum(len(p) for p in self.owned.values())


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _scoped(model: type[models.Model], subject: DataSubject) -> models.QuerySet[Any]:
    """The model's rows a query about this subject may look at: its store's, for a tenant table."""
    qs = model._base_manager.all()
    if issubclass(model, TenantModel) and subject.store_id is not None:
        qs = qs.filter(store_id=subject.store_id)
    return qs


def rows(model: type[models.Model], subject: DataSubject, pks: Iterable[Any]) -> models.QuerySet[Any]:
    """A queryset of these rows of the model (scoped like every other query about the subject)."""
    return _scoped(model, subject).filter(pk__in=list(pks))


@contextlib.contextmanager
def subject_scope(subject: DataSubject) -> Iterator[None]:
    """A platform user's rows lie in several stores: its queries cross stores on purpose."""
    if subject.store_id is None:
        with cross_store_access("a platform user's own rows, in every store it works at"):
            yield
    else:
        yield


def _seed_queryset(model: type[models.Model], subject: DataSubject) -> models.QuerySet[Any] | None:
    """Where an email seed may look: the subject's store; a platform user's platform-level rows."""
    names = {f.attname for f in model._meta.local_concrete_fields}
    if issubclass(model, TenantModel):
        # A platform user is not a store's customer: the same address at a store is another subject.
        return _scoped(model, subject) if subject.store_id is not None else None
    if "store_id" in names:
        qs = model._base_manager.all()
        return qs.filter(store_id=subject.store_id) if subject.store_id is not None else qs.filter(store_id=None)
    return model._base_manager.all() if subject.store_id is None else None


def _seeds(subject: DataSubject, graph: SubjectGraph) -> dict[type[models.Model], set[Any]]:
    frontier: dict[type[models.Model], set[Any]] = {}
    root_model = subject.root_model
    if root_model is not None and subject.root_id is not None:
        frontier[root_model] = graph.add_owned(root_model, [subject.root_id])
    candidates = subject.email_index_candidates()
    if not candidates:
        return frontier
    for model in datamap.mapped_models():
        if datamap.model_entry(model).root:
            continue  # another account with this address is another subject
        base = _seed_queryset(model, subject)
        if base is None:
            continue
        for index_field in datamap.email_indexes(model):
            found = base.filter(**{f"{index_field.attname}__in": candidates}).values_list("pk", flat=True)
            new = graph.add_owned(model, found)
            if new:
                frontier.setdefault(model, set()).update(new)
    return frontier


def _closure(subject: DataSubject, graph: SubjectGraph, frontier: dict[type[models.Model], set[Any]]) -> None:
    while frontier:
        graph.level += 1
        following: dict[type[models.Model], set[Any]] = {}
        for target, pks in frontier.items():
            for model, fk, entry in datamap.links_to(target):
                found: set[Any] = set()
                for batch in chunks(pks):
                    qs = _scoped(model, subject).filter(**{f"{fk.attname}__in": batch})
                    found.update(qs.values_list("pk", flat=True))
                if entry.owns_row:
                    new = graph.add_owned(model, found)
                    if new:
                        following.setdefault(model, set()).update(new)
                else:
                    graph.add_cut(model, fk.name, found)
        frontier = following


def subject_graph(subject: DataSubject) -> SubjectGraph:
    """Every row of the subject, found through the data map's identity links (see the module docstring)."""
    graph = SubjectGraph()
    with subject_scope(subject):
        _closure(subject, graph, _seeds(subject, graph))
        # Finders may find rows whose own keys lead further; repeat until nothing new turns up.
        for _ in range(5):
            graph.level += 1
            frontier: dict[type[models.Model], set[Any]] = {}
            for model in datamap.mapped_models():
                for finder in datamap.finders(model):
                    found = set(finder.fn(subject, graph.owned).values_list("pk", flat=True))
                    if finder.fields:
                        for name in finder.fields:
                            graph.add_cut(model, name, found)
                        graph.about.setdefault(model, set()).update(found)
                    else:
                        new = graph.add_owned(model, found)
                        if new:
                            frontier.setdefault(model, set()).update(new)
            if not frontier:
                break
            _closure(subject, graph, frontier)
    return graph


def subject_records(subject: DataSubject) -> list[tuple[type[models.Model], models.QuerySet[Any]]]:
    """The subject's own rows, per model: what an export holds and what an erasure erases or keeps restricted."""
    graph = subject_graph(subject)
    return [
        (model, rows(model, subject, pks))
        for model, pks in sorted(graph.owned.items(), key=lambda item: item[0]._meta.label_lower)
        if pks
    ]


def subject_for_request(request: Any) -> DataSubject:
    """Whom a data request is about: its customer, its user, or (a guest) its email at its store.

    Raises LookupError when the request names nobody any more.
    """
    opts = type(request)._meta
    customer_model = opts.get_field("customer").related_model
    user_model = opts.get_field("user").related_model
    if request.customer_id is not None:
        customer = customer_model._base_manager.filter(store_id=request.store_id, pk=request.customer_id).first()
        if customer is not None:
            return DataSubject.for_customer(customer)
    if request.user_id is not None:
        user = user_model._base_manager.filter(pk=request.user_id).first()
        if user is not None:
            return DataSubject.for_user(user)
    if request.store_id is not None and request.subject_email:
        return DataSubject.for_email(request.store_id, request.subject_email)
    raise LookupError("the request names nobody")
