"""``make demo``: demo users and learners, the sandboxes, and the portal on 127.0.0.1:8000."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.audit import audit_context
from portal.models import Learner
from portal.roles import COORDINATOR_GROUP
from portal.services import learner_create
from sandbox.anewspring import DEMO_LEARNER_ID, AnewspringSandbox
from sandbox.server import serve
from subscriptions.services.catalogue import catalogue_sync
from subscriptions.services.results import subscriptions_refresh

DEMO_USERS = [
    # username, password, superuser
    ("coordinator", "coordinator-demo", False),
    ("admin", "admin-demo", True),
]
# The first three are known in the aNewSpring sandbox too; the others get created there on first subscribe.
DEMO_LEARNERS = [
    {"external_id": "LEARNER-0001", "login": "a.jansen", "first_name": "Anna", "last_name": "Jansen",
     "email": "a.jansen@example.org", "custom1": "19/39054148101", "company": "Zorggroep Noord"},
    {"external_id": "LEARNER-0002", "login": "j.devries", "first_name": "Jan", "middle_name": "de", "last_name": "Vries",
     "email": "j.devries@example.org", "custom1": "52/123456", "company": "Zorggroep Noord"},
    {"external_id": "LEARNER-0003", "login": "s.smith", "first_name": "Sam", "last_name": "Smith",
     "email": "s.smith@example.org", "company": "Harbour Care"},
    {"external_id": "LEARNER-0004", "login": "j.muller", "first_name": "Jérôme", "last_name": "Müller-Öztürk",
     "email": "j.muller@example.org", "custom1": "19/59059671101, 52/654321", "company": "Harbour Care"},
    {"external_id": "LEARNER-0005", "login": "f.elamrani", "first_name": "Fatima", "last_name": "El Amrani",
     "email": "f.elamrani@example.org", "custom1": "51/49054148101", "company": "Verloskundigen West"},
]


def _port(url: str, name: str) -> int:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or not parts.port:
        raise CommandError(f"{name} must point at a loopback port for the demo, not {url!r}")
    return parts.port


class Command(BaseCommand):
    help = "Create demo users and learners, start the sandbox servers and serve the portal on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Set up the demo data, then stop.")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, no_serve=False, addrport="127.0.0.1:8000", **options):
        if not settings.ANEWSPRING_URL:
            raise CommandError("ANEWSPRING_URL is not set: run the demo with `make demo`.")
        self._users()
        anewspring = serve(AnewspringSandbox.with_demo_data(api_key=settings.ANEWSPRING_API_KEY),
                           port=_port(settings.ANEWSPRING_URL, "ANEWSPRING_URL"))
        self.stdout.write(f"aNewSpring sandbox on {anewspring.url}/api")
        try:
            with audit_context(actor="command"):
                self._learners()
                catalogue_sync()
                # The seed's example learner: results to look at straight away.
                subscriptions_refresh(learner=Learner.objects.get(external_id=DEMO_LEARNER_ID))
            if no_serve:
                return
            self.stdout.write(self.style.SUCCESS(
                f"\nThe training portal runs on http://{addrport}/\n"
                "  coordinator: coordinator / coordinator-demo\n"
                "  superuser:   admin / admin-demo\n"
            ))
            call_command("runserver", addrport, use_reloader=False)
        finally:
            anewspring.stop()

    def _users(self):
        coordinators = Group.objects.get(name=COORDINATOR_GROUP)
        for username, password, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
            user.set_password(password)
            user.is_staff = user.is_superuser = superuser
            user.save()
            if not superuser:
                user.groups.add(coordinators)

    def _learners(self):
        for data in DEMO_LEARNERS:
            if not Learner.objects.filter(external_id=data["external_id"]).exists():
                learner_create(data=data)
