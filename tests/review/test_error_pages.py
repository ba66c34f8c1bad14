"""Error pages are the site's own: inside its frame, saying what happened, with a way home."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import bad_request, server_error

from review.models import Record

pytestmark = pytest.mark.django_db

FRAME = 'class="site-header"'
HOME_LINK = f'href="{reverse("review:home")}"'


def test_a_forbidden_page_says_why_inside_the_frame(review, viewer, client_for):
    response = client_for(viewer).post(reverse("review:team_add", args=[review.slug]), {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert FRAME in html and HOME_LINK in html
    assert '<h1 id="error-heading">You may not open this page</h1>' in html
    assert "Your role in this review does not allow this." in html
    assert "Signed in as <strong>viewer</strong>" in html


def test_a_missing_object_says_which_inside_the_frame(review, reviewer, client_for):
    missing = (Record.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    response = client_for(reviewer).get(reverse("review:record", args=[review.slug, missing]))
    assert response.status_code == 404
    html = response.content.decode()
    assert FRAME in html and HOME_LINK in html
    assert "There is nothing here" in html
    assert "No such record in this review." in html


def test_an_unknown_address_gets_the_styled_404_without_the_url_patterns(reviewer, client_for):
    response = client_for(reviewer).get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert FRAME in html and "No page has this address." in html
    assert "tried" not in html and "Resolver404" not in html


def test_the_500_page_renders_without_a_request_context():
    # Django renders 500.html with no context at all: nothing in the frame may need a request.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert FRAME in html and HOME_LINK in html
    assert "Something went wrong on our side" in html
    assert "Log out" not in html


def test_the_400_page_is_styled():
    response = bad_request(RequestFactory().get("/"), exception=None)
    assert response.status_code == 400
    html = response.content.decode()
    assert FRAME in html and HOME_LINK in html and "The request could not be understood" in html


def test_a_form_sent_without_its_csrf_token_gets_the_styled_page(review, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("review:team_add", args=[review.slug]), {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert FRAME in html and HOME_LINK in html
    assert "The form could not be sent" in html and "Nothing was saved." in html
