"""Linking a report to another study, and splitting it off again, ask first and can be undone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from extraction.kinds import EXTRACTION
from tests.review.test_confirmations import confirm_form, undo_form

pytestmark = pytest.mark.django_db


def url(name, review, *args):
    return reverse(f"extraction:{name}", args=[review.slug, EXTRACTION, *args])


def test_linking_asks_first_and_undo_puts_the_report_back(review, study, make_study, reviewer, client_for):
    other = make_study("Tiger, M", 2020)
    report = other.reports.get()
    client = client_for(reviewer)
    asked = client.post(url("report_link", review, report.pk), {"study": study.pk})
    assert asked.status_code == 200 and "a report of" in asked.content.decode()
    report.refresh_from_db()
    assert report.study_id == other.pk
    action, fields = confirm_form(asked.content.decode())
    done = client.post(action, fields, follow=True)
    report.refresh_from_db()
    assert report.study_id == study.pk
    action, fields = undo_form(done.content.decode())
    client.post(action, fields)
    report.refresh_from_db()
    assert report.study_id not in (study.pk, None) and study.reports.count() == 1


def test_splitting_asks_first_and_undo_links_it_again(review, study, make_study, reviewer, client_for):
    other = make_study("Tiger, M", 2020)
    report = other.reports.get()
    client = client_for(reviewer)
    client.post(url("report_link", review, report.pk), {"study": study.pk, "confirmed": "yes"})
    asked = client.post(url("report_split", review, report.pk))
    assert "into its own study?" in asked.content.decode()
    report.refresh_from_db()
    assert report.study_id == study.pk
    action, fields = confirm_form(asked.content.decode())
    done = client.post(action, fields, follow=True)
    report.refresh_from_db()
    assert report.study_id != study.pk
    action, fields = undo_form(done.content.decode())
    client.post(action, fields)
    report.refresh_from_db()
    assert report.study_id == study.pk
