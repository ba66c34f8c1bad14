"""Signals the review app sends, so other apps react to a review's changes without `review` importing them."""

from django.dispatch import Signal

# Sent after an owner saves a review's settings; arguments: review, user, changed (the changed field names).
settings_changed = Signal()

# Sent inside the transaction that puts records back among the records to screen (a removal restored, a
# merge undone); arguments: review, record_ids. Screening lowers its queue floors (screening.queue_floor).
records_returned = Signal()

# Sent inside the restore's transaction once every row of a restored review is written; argument: review.
# Apps rebuild what the backup leaves out as derived (screening recounts its tallies).
review_restored = Signal()
