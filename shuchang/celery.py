"""The Celery app: Redis broker in production, a file-system broker under var/ for `make run`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuchang.settings")

app = Celery("shuchang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
