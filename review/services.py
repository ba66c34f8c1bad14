"""Business rules for reviews and their teams. Views and commands call these; they never write models
directly."""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.urls import URLPattern, URLResolver, get_resolver

from review.constants import DEFAULT_EXCLUSION_REASONS, Role
from review.models import ExclusionReason, Membership, Record, Review, Study

User = get_user_model()


@transaction.atomic
def create_review(*, slug: str, title: str, owner, reviewers_per_record: int = 2, **fields) -> Review:
    """A new review with its owner and the default list of full-text exclusion reasons."""
    check_review_slug(slug)
    if Review.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A review with the short name “{slug}” already exists."})
    fields.setdefault("reviewers_per_record_title_abstract", reviewers_per_record)
    fields.setdefault("reviewers_per_record_full_text", reviewers_per_record)
    review = Review(slug=slug, title=title, created_by=owner, **fields)
    review.full_clean()
    review.save()
    Membership.objects.create(review=review, user=owner, is_owner=True)
    set_exclusion_reasons(review=review, labels=DEFAULT_EXCLUSION_REASONS)
    return review


@cache
def reserved_review_slugs() -> frozenset[str]:
    """The words the URL conf uses under /reviews/ ("new", "settings", "screening"…): a review called "new"
    would sit at the address of the page that creates reviews."""
    words: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("reviews/"):
                words.update(part for part in route.split("/")[1:] if part and "<" not in part)
                # A converter that matches a closed set of words (form kinds: "extraction", "rob") names them.
                for converter in getattr(pattern.pattern, "converters", {}).values():
                    words.update(getattr(converter, "reserved_words", lambda: ())())

    walk(get_resolver().url_patterns, "")
    return frozenset(words)


def check_review_slug(slug: str) -> None:
    """Refuse a short name the site's own addresses use."""
    if slug.casefold() in reserved_review_slugs():
        raise ValidationError(f"“{slug}” is a word the site's addresses use; choose another short name.")


@transaction.atomic
def set_exclusion_reasons(*, review: Review, labels: list[str]) -> None:
    """Make the review's active reasons exactly `labels`, in that order. Reasons dropped from the list are
    retired, not deleted, so votes that cite them keep their reason."""
    wanted = []
    for label in labels:
        label = label.strip()
        if label and label.casefold() not in {w.casefold() for w in wanted}:
            wanted.append(label)
    existing = {
        r.label.casefold(): r for r in ExclusionReason.objects.select_for_update().filter(review=review)
    }
    for position, label in enumerate(wanted):
        reason = existing.pop(label.casefold(), None)
        if reason is None:
            ExclusionReason.objects.create(review=review, label=label, position=position)
        elif (reason.label, reason.position, reason.is_active) != (label, position, True):
            reason.label, reason.position, reason.is_active = label, position, True
            reason.save()
    for reason in existing.values():
        if reason.is_active:
            reason.is_active = False
            reason.save()


ROLE_FIELDS = {Role.OWNER: "is_owner", Role.REVIEWER: "is_reviewer", Role.ADJUDICATOR: "is_adjudicator"}


@transaction.atomic
def add_member(*, review: Review, user, role: str) -> Membership:
    """Give `user` a role in the review, keeping any roles they already hold. Viewer only ensures membership."""
    if role not in Role.values:
        raise ValidationError(f"Unknown role “{role}”; choose one of {', '.join(Role.values)}.")
    membership, _ = Membership.objects.select_for_update().get_or_create(review=review, user=user)
    if role in ROLE_FIELDS and not getattr(membership, ROLE_FIELDS[role]):
        setattr(membership, ROLE_FIELDS[role], True)
        membership.save()
    return membership


@transaction.atomic
def set_roles(*, membership: Membership, roles: set[str]) -> Membership:
    """Replace a member's roles. Refuses to leave the review without an owner."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_owner and Role.OWNER not in roles:
        _ensure_another_owner(membership)
    changed = False
    for role, field in ROLE_FIELDS.items():
        held = role in roles
        if getattr(membership, field) != held:
            setattr(membership, field, held)
            changed = True
    if changed:
        membership.save()
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> int:
    """Take a member off the team (also how a member leaves). The last owner cannot go. Returns the id of
    the history row the removal left, which restore_member() reads to undo it."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_owner:
        _ensure_another_owner(membership)
    pk = membership.pk
    membership.delete()
    return Membership.history.filter(id=pk, history_type="-").latest("history_id").history_id


@transaction.atomic
def restore_member(*, review: Review, removal) -> Membership:
    """Undo a removal: the user is a member again with the roles the removal's history row kept."""
    return Membership.objects.create(
        review=review,
        user_id=removal.user_id,
        is_owner=removal.is_owner,
        is_reviewer=removal.is_reviewer,
        is_adjudicator=removal.is_adjudicator,
    )


def _ensure_another_owner(membership: Membership) -> None:
    # Lock every owner row so two owners cannot remove each other at the same moment.
    owners = list(
        Membership.objects.select_for_update().filter(review_id=membership.review_id, is_owner=True)
    )
    if not any(o.pk != membership.pk for o in owners):
        raise ValidationError("A review needs at least one owner: make someone else an owner first.")


@transaction.atomic
def ensure_study_for_report(*, record) -> Study:
    """A report included at full text belongs to a study; by default its own, named like “Williams 2018”.
    Called by screening when a record's final full-text decision is include. Idempotent."""
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.study_id is not None:
        return record.study
    return _give_own_study(record)


@transaction.atomic
def link_report(*, record, study: Study) -> Study:
    """Move a report into another study of the same review (a trial and its secondary analysis are one
    study). The study it leaves is deleted when it has no reports left and nothing else refers to it."""
    record = Record.objects.select_for_update().get(pk=record.pk)
    study = Study.objects.select_for_update().get(pk=study.pk)
    if study.review_id != record.review_id:
        raise ValidationError("The report and the study belong to different reviews.")
    if record.study_id is None:
        raise ValidationError("Only reports included at full text belong to studies.")
    previous_id = record.study_id
    if previous_id == study.pk:
        return study
    record.study = study
    record.save(update_fields=["study"])
    _drop_if_empty(previous_id)
    return study


@transaction.atomic
def split_report(*, record) -> Study:
    """Give a report a study of its own again (undoes a link). A report alone in its study stays there."""
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.study_id is None:
        raise ValidationError("Only reports included at full text belong to studies.")
    if not Record.objects.filter(study_id=record.study_id).exclude(pk=record.pk).exists():
        return record.study
    return _give_own_study(record)


def _give_own_study(record: Record) -> Study:
    """A new study holding only this (locked) report, named like “Williams 2018”."""
    study = Study.objects.create(review_id=record.review_id, label=record.short_citation)
    record.study = study
    record.save(update_fields=["study"])
    return study


def _drop_if_empty(study_id: int) -> None:
    # Work already done on a study (extraction copies, a consensus) protects it from deletion: it is
    # kept, empty, rather than lose anything.
    if Record.objects.filter(study_id=study_id).exists():
        return
    try:
        with transaction.atomic():
            Study.objects.filter(pk=study_id).delete()
    except ProtectedError:
        pass


# Links to a user that say who they are, not what they did: deleting the user loses no record of work.
NOT_WORK = {
    ("review.Membership", "user"),
    ("review.HistoricalMembership", "user"),
    ("review.ExportJob", "requested_by"),
    ("auth.User_groups", "user"),
    ("auth.User_user_permissions", "user"),
}


def work_of(user) -> list[str]:
    """What bears the user's name as its author ("votes", "screening decisions", "log entries"…), one entry per
    kind: every model that points to users, history tables included, except the links in NOT_WORK. A new
    model is covered without being listed here."""
    kinds: list[str] = []
    for relation in User._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        model, field = relation.related_model, relation.remote_field.name
        if (model._meta.label, field) in NOT_WORK:
            continue
        if model._base_manager.filter(**{field: user.pk}).exists():
            kind = str(model._meta.verbose_name_plural).removeprefix("historical ")
            if kind not in kinds:
                kinds.append(kind)
    return kinds


def refuse_to_delete_user(user) -> None:
    """Users who ever acted are deactivated, never deleted: deleting one would empty `resolved_by`, the
    history's user and the like, and the audit trail would no longer say who did it."""
    if work := work_of(user):
        raise ProtectedError(
            f"{user.get_username()} cannot be deleted: their name is on {', '.join(work)}. "
            "Deactivate the account instead; it can no longer log in, and its work keeps its name.",
            set(),
        )


def deactivate_users(*, users: QuerySet) -> int:
    """Close accounts for good without losing whose work is whose; their sessions end at the next request."""
    return users.filter(is_active=True).update(is_active=False)
