from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import pre_delete

from config.middleware import start_idle_clock


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from review import receivers

        # The site's own receivers live here too: config is a package, not an app with a ready().
        user_logged_in.connect(start_idle_clock, dispatch_uid="config.start_idle_clock")
        pre_delete.connect(
            receivers.refuse_to_delete_users_who_acted,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="review.refuse_to_delete_users_who_acted",
        )

    def exporters(self) -> list:
        """The dataset (every app's dataset tables in one workbook or ZIP) and the owners' backup."""
        from review.backup import BACKUP
        from review.exports.dataset import DATASET

        return [DATASET, BACKUP]

    def dataset_tables(self, *, review, user, progress) -> list:
        """The review's own part of the dataset: the PRISMA counts, the studies and their reports."""
        from review.exports.dataset import review_tables

        return review_tables(review=review, user=user, progress=progress)
