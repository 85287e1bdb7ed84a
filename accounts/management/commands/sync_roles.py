from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = "Apply the roles declared in accounts/roles.py to their groups (idempotent)."

    def handle(self, *args, **options):
        counts = services.roles_sync()
        for code, count in counts.items():
            self.stdout.write(f"{code}: {count} permissions")
