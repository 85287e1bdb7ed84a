"""verify_receipt_numbering: every receipt number up to each sequence's counter has its receipt."""

from django.core.management.base import BaseCommand, CommandError

from payments import selectors
from payments.models import ReceiptSequence


class Command(BaseCommand):
    help = "核对收据号段：每个已用号码都有对应收据（已开具或已作废），没有缺号、没有重号。"

    def handle(self, *args, **options):
        problems = 0
        for sequence in ReceiptSequence.objects.select_related("project").order_by("project_id", "year"):
            label = f"{sequence.project.name} {sequence.prefix}-{sequence.year}"
            missing = selectors.numbering_missing(sequence)
            beyond = sequence.receipts.filter(number__gt=sequence.last_number).count()
            if missing or beyond:
                problems += 1
                self.stderr.write(
                    f"{label}：缺号 {missing[:20]}{'…' if len(missing) > 20 else ''}，超出计数的收据 {beyond} 张"
                )
            else:
                self.stdout.write(
                    f"{sequence.project.name} {sequence.prefix}-{sequence.year}：1–{sequence.last_number} 完整"
                )
        if problems:
            raise CommandError(f"{problems} 个号段有问题")
