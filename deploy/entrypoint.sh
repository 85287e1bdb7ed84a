#!/bin/sh
# One image, three roles: `web` (migrate, sync roles, gunicorn), `worker` and `beat` (Celery).
# Anything else is run as given, e.g. `docker compose run --rm web python manage.py createsuperuser`.
set -eu

case "${1:-web}" in
  web)
    # Only one web container should migrate when several start together: set MIGRATE_ON_START=0 on the others.
    if [ "${MIGRATE_ON_START:-1}" = "1" ]; then
      python manage.py migrate --noinput
      python manage.py sync_roles
    fi
    exec gunicorn shuchang.wsgi --config deploy/gunicorn.conf.py
    ;;
  worker)
    exec celery -A shuchang worker --loglevel="${LOG_LEVEL:-INFO}" --concurrency="${CELERY_CONCURRENCY:-2}"
    ;;
  beat)
    # Exactly one beat per deployment, or every periodic job runs twice.
    exec celery -A shuchang beat --loglevel="${LOG_LEVEL:-INFO}"
    ;;
  *)
    exec "$@"
    ;;
esac
