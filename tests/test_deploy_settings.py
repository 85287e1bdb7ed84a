"""Production settings, as docker-compose gives them: checked in a fresh process, the way a container starts."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Settings read from the environment that the deployment must know about.
_ENV_READERS = re.compile(r"""(?:os\.environ\.get|env_bool|env_list)\(\s*["']([A-Z_]+)["']""")


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production container; nothing leaks in from the developer's shell."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "shuchang.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://shuchang.example.com",
        "SHUCHANG_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_ROOT": str(tmp_path / "backups"),
    }
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]

    result = _run([sys.executable, "manage.py", "check"], env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


_PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "debug": s.DEBUG,
    "engine": db["ENGINE"], "host": db["HOST"], "conn_max_age": db["CONN_MAX_AGE"],
    "health_checks": db["CONN_HEALTH_CHECKS"],
    "broker": s.CELERY_BROKER_URL, "cache": s.CACHES["default"]["BACKEND"],
    "static_storage": s.STORAGES["staticfiles"]["BACKEND"],
    "secure_cookies": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
    "csrf_origins": s.CSRF_TRUSTED_ORIGINS, "hosts": s.ALLOWED_HOSTS,
}))
"""


def test_production_settings_use_postgresql_redis_and_persistent_connections(tmp_path):
    env = _production_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="shuchang.settings",
        DATABASE_URL="postgres://shuchang:secret@db:5432/shuchang",
        REDIS_URL="redis://redis:6379/0",
        CONN_MAX_AGE="600",
    )

    result = _run([sys.executable, "-c", _PRINT_SETTINGS], env)
    values = json.loads(result.stdout.strip().splitlines()[-1])

    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["host"] == "db"
    assert values["conn_max_age"] == 600
    assert values["health_checks"] is True
    assert values["broker"] == "redis://redis:6379/0"
    assert values["cache"] == "shuchang.core.cache.RedisCache"  # Django's, with one client per pool
    assert values["static_storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["secure_cookies"] == [True, True]
    assert values["csrf_origins"] == ["https://shuchang.example.com"]
    assert values["hosts"] == ["shuchang.example.com"]


def test_gunicorn_config_loads_the_application(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")

    result = _run(
        [str(gunicorn), "--check-config", "--config", "deploy/gunicorn.conf.py", "shuchang.wsgi"],
        _production_env(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_entrypoint_is_valid_shell():
    entrypoint = ROOT / "deploy" / "entrypoint.sh"

    assert os.access(entrypoint, os.X_OK), "deploy/entrypoint.sh must be executable"
    assert _run(["sh", "-n", str(entrypoint)], {"PATH": os.environ.get("PATH", "")}).returncode == 0


def test_every_environment_setting_is_documented_in_the_readme():
    names = set(_ENV_READERS.findall((ROOT / "shuchang" / "settings.py").read_text()))
    readme = (ROOT / "README.md").read_text()

    undocumented = sorted(name for name in names if f"`{name}`" not in readme)

    assert names >= {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"}
    assert not undocumented, f"README.md 的环境变量表缺少: {', '.join(undocumented)}"


PRODUCTION_SETTINGS = ["DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL"]


@pytest.mark.parametrize("name", [*PRODUCTION_SETTINGS, "CONN_MAX_AGE"])
def test_compose_gives_the_app_containers_their_production_settings(name):
    compose = (ROOT / "docker-compose.yml").read_text()
    app_block = compose.split("x-app:", 1)[1].split("\nservices:", 1)[0]

    assert re.search(rf"^\s+{name}: \S", app_block, re.MULTILINE), f"{name} missing from x-app environment"
