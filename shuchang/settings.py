"""舒畅 settings: every value comes from the environment, with defaults for the one-machine run.

`make run` needs nothing set: SQLite under var/, a file-based Celery broker, DEBUG on.
Production (docker-compose) sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0, ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHUCHANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key is only ever used with DEBUG on; production must set its own.
SECRET_KEY = os.environ.get("SECRET_KEY") or ("dev-only-insecure-key-舒畅-do-not-use-in-production" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "import_export",
    "axes",
    "shuchang.core",
    "audit",
    "accounts",
    "developers",
    "listings",
    "sales",
    "payments",
    "loans",
    "referrals",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shuchang.urls"
WSGI_APPLICATION = "shuchang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shuchang.core.context_processors.site",
                "developers.context_processors.site_company",
            ],
            "builtins": ["shuchang.core.templatetags.shuchang"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'shuchang.sqlite3'}",
        # Persistent connections: a new connection per request costs most of a request's time.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out accounts before the password is checked
    "accounts.backends.MobileOrUsernameBackend",
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures an account is locked for the cool-off.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# By account, not by IP: a sales office shares one address, and locking it would stop every consultant
# (docs/decisions/0008-login-lockout.md). Hence axes' IP warning is silenced on purpose.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "errors/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # the login log (audit.LoginEntry) already records every attempt
AXES_VERBOSE = False
# Idle sessions end: staff after 30 minutes, buyers after 2 hours without a request.
SESSION_IDLE_SECONDS_STAFF = int(os.environ.get("SESSION_IDLE_SECONDS_STAFF", "1800"))
SESSION_IDLE_SECONDS_BUYER = int(os.environ.get("SESSION_IDLE_SECONDS_BUYER", "7200"))
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "storefront:home"
LOGOUT_REDIRECT_URL = "storefront:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.password_validation.LettersAndDigitsValidator"},
]
PASSWORD_HASHERS = env_list(
    "PASSWORD_HASHERS",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded personal documents (loan applications): never under MEDIA_ROOT, served only after a permission check.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "shuchang.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache, not per-process memory: the web process and the Celery worker of `make run` must
    # see the same grid versions, or a change made by the worker would leave the web's grid stale.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))

# Celery: Redis in production; without Redis a file-system broker under var/ lets
# `make run` start a real worker with embedded beat and no other service.
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    for sub in ("out", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The whole beat schedule, in one place.
BACKUP_ROOT = Path(os.environ.get("BACKUP_ROOT", VAR_DIR / "backups"))
BACKUP_INTERVAL_DAYS = float(os.environ.get("BACKUP_INTERVAL_DAYS", "7"))
# How many automatic backups keep their files; manual and safety backups are pruned after BACKUP_KEEP_DAYS.
BACKUP_KEEP_AUTOMATIC = int(os.environ.get("BACKUP_KEEP_AUTOMATIC", "8"))
BACKUP_KEEP_DAYS = int(os.environ.get("BACKUP_KEEP_DAYS", "90"))

# Payments (docs/payments.md): real Alipay when these are set; otherwise the local sandbox where enabled.
PAYMENTS_ALIPAY_APP_ID = os.environ.get("ALIPAY_APP_ID", "")
PAYMENTS_ALIPAY_PRIVATE_KEY_FILE = os.environ.get("ALIPAY_PRIVATE_KEY_FILE", "")
PAYMENTS_ALIPAY_PUBLIC_KEY_FILE = os.environ.get("ALIPAY_PUBLIC_KEY_FILE", "")
PAYMENTS_ALIPAY_GATEWAY_URL = os.environ.get("ALIPAY_GATEWAY_URL", "https://openapi.alipay.com/gateway.do")
PAYMENTS_ALIPAY_SELLER_ID = os.environ.get("ALIPAY_SELLER_ID", "")
PAYMENTS_PUBLIC_BASE_URL = os.environ.get("PAYMENTS_PUBLIC_BASE_URL", "")
PAYMENTS_SANDBOX_ENABLED = env_bool("PAYMENTS_SANDBOX_ENABLED", DEBUG)
PAYMENTS_SANDBOX_KEY_DIR = VAR_DIR / "payments-sandbox"

REPORTS_ROOT = Path(os.environ.get("REPORTS_ROOT", VAR_DIR / "reports"))
REPORTS_RETENTION_DAYS = int(os.environ.get("REPORTS_RETENTION_DAYS", "90"))
REPORTS_INLINE_MAX_ROWS = int(os.environ.get("REPORTS_INLINE_MAX_ROWS", "50000"))
REPORTS_DAILY_AT = os.environ.get("REPORTS_DAILY_AT", "01:30")  # local time: the previous day's 日报
REPORTS_MONTHLY_AT = os.environ.get("REPORTS_MONTHLY_AT", "02:30")  # on the 1st: the previous month's 月报
_daily_hour, _daily_minute = (int(part) for part in REPORTS_DAILY_AT.split(":"))
_monthly_hour, _monthly_minute = (int(part) for part in REPORTS_MONTHLY_AT.split(":"))

CELERY_BEAT_SCHEDULE: dict = {
    "audit-seal-chain": {"task": "audit.tasks.audit_seal_chain_task", "schedule": 10.0},
    # Lazy expiry on read covers a stuck worker; this sweep frees units nobody looks at.
    "sales-expire-overdue-orders": {"task": "sales.tasks.orders_expire_overdue_task", "schedule": 15.0},
    "payments-convert-signed-deposits": {"task": "payments.tasks.deposits_convert_signed_task", "schedule": 600.0},
    "payments-close-expired-trades": {"task": "payments.tasks.trades_close_expired_task", "schedule": 3600.0},
    "reports-daily": {
        "task": "reports.tasks.reports_daily_task",
        "schedule": crontab(hour=_daily_hour, minute=_daily_minute),
    },
    "reports-monthly": {
        "task": "reports.tasks.reports_monthly_task",
        "schedule": crontab(day_of_month=1, hour=_monthly_hour, minute=_monthly_minute),
    },
    "reports-prune": {"task": "reports.tasks.reports_prune_task", "schedule": crontab(hour=4, minute=15)},
    "backup-automatic": {
        "task": "audit.tasks.backup_create_automatic_task",
        "schedule": timedelta(days=BACKUP_INTERVAL_DAYS),
    },
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind our own reverse proxy the client address is in X-Forwarded-For; never trust it otherwise.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
# Production normally lets the proxy serve /media/ from the media volume; this serves it from Django.
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SITE_NAME = "舒畅"
# A TrueType Chinese font to embed in PDFs; by default Debian's fonts-wqy-microhei (shuchang/core/pdf_fonts.py).
PDF_CJK_FONT_FILE = os.environ.get("PDF_CJK_FONT_FILE", "")
