"""The review menu: every page of a review in one list, each with the permission (review/rules.py) a member
needs to open it. base.html shows a member only what they may open (through the `review_menu` template
tag), so nobody is offered a link that ends on "You may not open this page", and marks the current page.

A page added to a review goes here, once; the review app names the other apps' pages by URL name only."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from django.http import HttpRequest
from django.urls import reverse

from review.constants import Role
from review.models import Review
from review.rules import membership_for


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    perm: str
    # URL arguments beyond the review's slug (the screening stage); a page is this item's only if they match.
    kwargs: dict[str, str] = field(default_factory=dict)
    # Other pages that belong to this item (fnmatch patterns of view names): it stays marked on them.
    section: tuple[str, ...] = ()

    def covers(self, view_name: str, kwargs: dict) -> bool:
        if view_name != self.url_name and not any(fnmatchcase(view_name, p) for p in self.section):
            return False
        return all(str(kwargs.get(key)) == value for key, value in self.kwargs.items())


REVIEW_MENU: tuple[MenuItem, ...] = (
    MenuItem("Dashboard", "review:dashboard", "review.view_review"),
    MenuItem("Records", "review:records", "review.view_review", section=("review:record",)),
    MenuItem("Import", "review:imports", "review.import_records", section=("review:import_*",)),
    MenuItem("Duplicates", "review:duplicates", "review.resolve_duplicates", section=("review:duplicate_*",)),
    # One queue per screening stage, each marked on its own votes.
    *(
        MenuItem(
            label,
            "screening:queue",
            "review.screen",
            {"stage": stage},
            ("screening:vote", "screening:undo", "screening:my_decisions"),
        )
        for label, stage in (("Title/abstract", "title_abstract"), ("Full text", "full_text"))
    ),
    MenuItem(
        "Conflicts",
        "screening:conflicts",
        "review.settle_conflicts",
        section=("screening:record_votes", "screening:resolve"),
    ),
    MenuItem("Agreement", "screening:agreement", "review.view_review"),
    # Each form kind (data extraction, risk of bias) is a section of its own, told apart by its address.
    MenuItem(
        "Extraction", "extraction:studies", "review.view_review", {"kind": "extraction"}, ("extraction:*",)
    ),
    MenuItem("Risk of bias", "rob:home", "review.view_review", section=("rob:*",)),
    MenuItem("PRISMA", "review:prisma", "review.view_review", section=("review:prisma_*",)),
    MenuItem("Exports", "review:exports", "review.view_review", section=("review:export_*",)),
    MenuItem("Team", "review:team", "review.view_review", section=("review:team_*",)),
    MenuItem("Settings", "review:settings", "review.change_review"),
)


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str
    # "page" on the item's own address, "true" on a page inside its section (a record of Records), else "".
    current: str


@dataclass(frozen=True)
class ReviewMenu:
    links: list[MenuLink]
    roles: list[str]  # the member's roles in the review, as words ("Reviewer", "Viewer")

    @property
    def current(self) -> MenuLink | None:
        return next((link for link in self.links if link.current), None)


def review_menu(request: HttpRequest, review: Review) -> ReviewMenu:
    """The menu items `request.user` may open in `review`, the current one marked."""
    match = request.resolver_match
    view_name = match.view_name if match else ""
    kwargs = match.kwargs if match else {}
    links = []
    for item in REVIEW_MENU:
        if not request.user.has_perm(item.perm, review):
            continue
        url = reverse(item.url_name, kwargs={"review_slug": review.slug, **item.kwargs})
        current = ""
        if item.covers(view_name, kwargs):
            current = "page" if request.path == url else "true"
        links.append(MenuLink(item.label, url, current))
    membership = membership_for(request.user, review)
    roles = [Role(role).label for role in membership.roles] if membership else []
    return ReviewMenu(links, roles)
