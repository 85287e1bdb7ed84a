# 舒畅 production image: one image for the web, worker and beat containers (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump / pg_restore for 数据备份与恢复 (audit.backups). Bookworm ships client 15, the db service's version:
# a newer pg_dump writes SET commands (e.g. transaction_timeout) that an older server rejects on restore.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system shuchang && useradd --system --gid shuchang --home-dir /app --no-create-home shuchang

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Settings that belong to the image; everything else comes from docker-compose's environment.
ENV DEBUG=0 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    BACKUP_ROOT=/data/backups \
    SHUCHANG_VAR_DIR=/data/var

# collectstatic only needs some key to import the settings; it is not kept in the image.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /data/media /data/backups /data/var \
    && chown -R shuchang:shuchang /data

USER shuchang
EXPOSE 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
