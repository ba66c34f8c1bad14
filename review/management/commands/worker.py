from __future__ import annotations

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from django.template.defaultfilters import pluralize

from review.jobs import sweep_dead_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the background worker (django-tasks-db's db_worker, every queue) for imports and exports, and "
        "beside it sweep the jobs whose worker died: running with no heartbeat for JOB_STALE_AFTER_SECONDS, "
        "they are marked failed with a message and can be asked again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="*", help="The queues to run (default: every queue).")
        parser.add_argument(
            "--sweep-every", type=float, default=30, help="Seconds between two sweeps (default: 30)."
        )
        parser.add_argument(
            "--sweep-only", action="store_true", help="Sweep once and stop, without running the worker."
        )

    def handle(self, *args, queue_name: str, sweep_every: float, sweep_only: bool, **options):
        if sweep_only:
            swept = sweep_dead_jobs()
            self.stdout.write(f"Failed {swept} job{pluralize(swept)} whose worker died.")
            return
        stop = threading.Event()
        sweeping = threading.Thread(target=_sweep, args=(sweep_every, stop), name="job sweep", daemon=True)
        sweeping.start()
        try:
            # No reloading: a reloader would run a second copy of this command, and of the sweep.
            call_command("db_worker", queue_name=queue_name, reload=False, verbosity=options["verbosity"])
        finally:
            stop.set()


def _sweep(every: float, stop: threading.Event) -> None:
    # Once at start (jobs left running by a worker killed before this one), then every `every` seconds.
    while True:
        try:
            if swept := sweep_dead_jobs():
                logger.warning("Failed %s job%s whose worker died", swept, pluralize(swept))
        except DatabaseError:
            logger.exception("The sweep of dead jobs failed; it runs again in %s seconds", every)
        finally:
            connections.close_all()  # this thread's own connections
        if stop.wait(every):
            return
