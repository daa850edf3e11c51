"""OrgVault settings: every knob comes from the environment (see README's table).

Embedded defaults (SQLite, a local storage folder, django-q2's ORM broker, console
email) make a laptop work with no services; production sets DATABASE_URL, REDIS_URL,
S3_* and EMAIL_* instead.
"""

import base64
import binascii
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_header,
    env_int,
    env_list,
    env_networks,
    env_str,
    env_url,
    private_dir,
    private_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything under var/ is for the server's user only: folders 0700, files 0600.
VAR_DIR = private_dir(Path(env_str("ORGVAULT_VAR_DIR", str(BASE_DIR / "var"))))


def _secret_from_file(name: str, make) -> str:
    """A secret kept in var/ for the embedded set-up, made once (0600) on first start."""
    return private_file(VAR_DIR / name, make).read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or _secret_from_file(
    "secret_key", lambda: secrets.token_urlsafe(50)
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The master key wraps secrets kept in the database (refresh tokens, S3 keys).
_master_key_b64 = env_str("ORGVAULT_MASTER_KEY") or _secret_from_file(
    "master_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
)
try:
    MASTER_KEY = base64.b64decode(_master_key_b64, validate=True)
except (binascii.Error, ValueError):
    raise ImproperlyConfigured("ORGVAULT_MASTER_KEY must be base64 of 32 bytes") from None
if len(MASTER_KEY) != 32:
    raise ImproperlyConfigured("ORGVAULT_MASTER_KEY must be base64 of exactly 32 bytes")

INSTALLED_APPS = [
    "config.apps.OrgVaultAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_q",
    "common",
    "tenants",
    "identity",
    "orgs",
    "jobs",
    "schedules",
    "vault",
    "object_templates",
    "backups",
    "exports",
    "restores",
    "search",
    "archives",
    "notifications",
    "analytics",
    "sfsim",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tenants.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tenants.middleware.PermittedIPMiddleware",
    # MFA before anything else: the code page, or enrolment when the policy requires it.
    "identity.middleware.MFAMiddleware",
    "tenants.middleware.TenantTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "tenants.permissions.can",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names PostgreSQL.
_database_url = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    # Made 0600 before SQLite opens it; its journal files take the same mode.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(private_file(VAR_DIR / "orgvault.sqlite3")),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                # WAL: readers never wait for the writer and a commit needs no journal
                # rewrite (synchronous=NORMAL keeps the database consistent on a crash; a
                # power cut may undo the last commits, never corrupt them).
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    "tenants.auth_backends.TenantEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tenants.password_validation.LetterNumberSymbolValidator"},
]
LOGIN_URL = "tenants:sign_in"
LOGIN_REDIRECT_URL = "orgs:home"
LOGOUT_REDIRECT_URL = "tenants:sign_in"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = private_dir(VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]

# Blob storage: a local folder, or S3 when S3_BUCKET is set.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    _vault_storage = {
        "BACKEND": "common.storage.VaultS3Storage",  # deletes every version
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_url("S3_ENDPOINT_URL", {"http", "https"}) or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "region_name": env_str("S3_REGION", "us-east-1"),
            "location": env_str("S3_PREFIX", ""),
            "file_overwrite": True,
            "default_acl": None,
        },
    }
else:
    _vault_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(VAR_DIR / "storage"),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": _vault_storage,
    "vault": _vault_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Email: SMTP when EMAIL_HOST is set, the console otherwise.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OrgVault <no-reply@orgvault.local>")
# Webhook URLs typed by users may not point at loopback, private or link-local addresses
# (the server's own network) unless this is on (tests, a receiver on the same LAN).
OUTBOUND_ALLOW_PRIVATE = env_bool("OUTBOUND_ALLOW_PRIVATE", False)

# Cache (sign-in rate limits): per process by default; CACHE_URL (Redis) shares it
# between web processes. Keep it apart from the django-q2 Redis database.
CACHE_URL = env_url("CACHE_URL", {"redis", "rediss"})
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Backups: a read of more rows than this is split into Id ranges of about
# BACKUP_CHUNK_ROWS rows that several workers read side by side.
BACKUP_CHUNK_THRESHOLD = env_int("BACKUP_CHUNK_THRESHOLD", 100_000, minimum=1)
BACKUP_CHUNK_ROWS = env_int("BACKUP_CHUNK_ROWS", 50_000, minimum=1)

# Job queue: django-q2 on the ORM broker, or Redis when REDIS_URL is set.
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss"})
# A job whose worker sent no heartbeat for this long is resumed (once) or ended by the
# reaper, which runs every minute in qcluster and every pass of `manage.py scheduler`.
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", 60, minimum=5)

Q_CLUSTER = {
    "name": "orgvault",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": env_int("Q_TIMEOUT", 3600, minimum=10),
    "retry": env_int("Q_TIMEOUT", 3600, minimum=10) + 600,
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "poll": 0.5,
    "queue_limit": 50,
    "label": "Django Q2",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# django-allauth: accounts only; sign-in itself is our two-step form.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# Its rate limits count by the client address under the TRUSTED_PROXIES rule.
ACCOUNT_ADAPTER = "tenants.adapter.AccountAdapter"
# Single sign-on (identity/): allauth's OAuth2 client calls providers through the
# outbound-address guard (common/outbound.py).
SOCIALACCOUNT_ADAPTER = "identity.adapter.SocialAccountAdapter"
SIGN_IN_RATE_LIMIT = env_int("SIGN_IN_RATE_LIMIT", 10, minimum=1)  # failed attempts per 5 min
# Failed sign-ins per client IP (SIGN_IN_RATE_LIMIT) and per organization + email (5),
# both per 5 minutes; used by tenants/ratelimits.py through allauth's rate limiter.
ACCOUNT_RATE_LIMITS = {"login_failed": f"{SIGN_IN_RATE_LIMIT}/5m/ip,5/5m/key"}

# Salesforce: an extra CA bundle to trust (the simulator's CA for the demo and tests).
SALESFORCE_CA_BUNDLE = env_str("SALESFORCE_CA_BUNDLE")
SALESFORCE_CLIENT_ID = env_str("SALESFORCE_CLIENT_ID")
SALESFORCE_CLIENT_SECRET = env_str("SALESFORCE_CLIENT_SECRET")
SALESFORCE_API_VERSION = env_str("SALESFORCE_API_VERSION", "59.0")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS (docs/production.env): HSTS for a year as soon as cookies are HTTPS-only.
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 31_536_000 if SESSION_COOKIE_SECURE else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SESSION_COOKIE_SECURE)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Behind a proxy that ends TLS: "X-Forwarded-Proto=https". Only when the proxy always
# sets (or strips) that header, or anyone can claim HTTPS.
SECURE_PROXY_SSL_HEADER = env_header("SECURE_PROXY_SSL_HEADER")
# The proxies (CIDRs) whose X-Forwarded-For is believed: the client address is the
# right-most address in it that is not one of them (tenants/client_ip.py). Empty: the
# header is ignored and the client is the connection's address.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
# Content-Security-Policy of every response (tenants.middleware): scripts from our own
# origin only, never inline.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
