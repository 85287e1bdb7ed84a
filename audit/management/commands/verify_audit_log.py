from django.core.management.base import BaseCommand, CommandError

from audit import services


class Command(BaseCommand):
    help = "Seal pending entries, then walk the operation log's hash chain; fails at the first broken or missing entry."

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="only verify, do not seal pending entries first")

    def handle(self, *args, **options):
        if not options["no_seal"]:
            services.audit_seal_chain()
        ok, message = services.audit_verify_chain()
        if not ok:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))
