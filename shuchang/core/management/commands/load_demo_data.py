import time

from django.core.management.base import BaseCommand

from shuchang import demo


class Command(BaseCommand):
    help = "Load the demo data set into an empty database (does nothing if a developer company exists)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        ctx = demo.build_demo()
        if ctx is None:
            self.stdout.write("数据库中已有开发商数据，跳过演示数据。")
            return
        counts = "，".join(f"{what} {n}" for what, n in sorted(ctx.counts.items()))
        self.stdout.write(self.style.SUCCESS(f"演示数据已载入（{time.perf_counter() - started:.1f} 秒）：{counts}"))
        if options["verbosity"] > 1:
            for step, seconds in ctx.timings.items():
                self.stdout.write(f"  {step}: {seconds:.2f} 秒")
        self.stdout.write(f"演示账号密码均为 {demo.DEMO_PASSWORD}：")
        for role, login in demo.staff_table():
            self.stdout.write(f"  {role}：{login}")
        for spec in demo.BUYERS:
            self.stdout.write(f"  购房者（{'已实名' if spec.real_name else '未实名'}）：{spec.mobile}")
