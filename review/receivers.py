"""What the review app does when something outside it changes."""

from __future__ import annotations

from review import services


def refuse_to_delete_users_who_acted(*, instance, **kwargs) -> None:
    # Any deletion (the admin, the shell, a command) stops here, before a link to the user is emptied.
    services.refuse_to_delete_user(instance)
