"""Each role's review menu, written out by hand from the roles' rights (review/rules.py, README), not read
from the menu's own list. The view tests check it with the shared personas, the browser tests with the
demo's members."""

from __future__ import annotations

MENUS = {
    "owner": ["Dashboard", "Records", "Import", "Duplicates", "Conflicts", "Agreement", "Extraction"]
    + ["Risk of bias", "PRISMA", "Exports", "Team", "Settings"],
    "reviewer": ["Dashboard", "Records", "Import", "Duplicates", "Title/abstract", "Full text", "Agreement"]
    + ["Extraction", "Risk of bias", "PRISMA", "Exports", "Team"],
    "adjudicator": ["Dashboard", "Records", "Conflicts", "Agreement", "Extraction", "Risk of bias", "PRISMA"]
    + ["Exports", "Team"],
    "viewer": [
        "Dashboard",
        "Records",
        "Agreement",
        "Extraction",
        "Risk of bias",
        "PRISMA",
        "Exports",
        "Team",
    ],
}
