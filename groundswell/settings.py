"""Groundswell settings: one file, driven by environment variables.

Every value has a safe default for the demo; a bad value stops the process with a message
instead of running half-configured.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from groundswell.lib.siteurl import contact_url, local_site_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("GROUNDSWELL_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SECRET_KEY from the environment, else one generated once and kept in DATA_DIR."""
    if key := os.environ.get("SECRET_KEY"):
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting together must not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty; delete it to generate a new key")
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)


# Emailed, shared, canonical and fediverse links all start with SITE_URL.
# Unset, it is where `serve` and `demo` listen (HOST, PORT), so `PORT=8123 make demo` works.
SITE_URL = (
    os.environ.get("SITE_URL") or local_site_url(os.environ.get("HOST", ""), env_int("PORT", 8000))
).rstrip("/")
_site = urlparse(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL, not {SITE_URL!r}")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_site.hostname, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_site.scheme}://{_site.netloc}"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_tasks_db",
    "groundswell.lib",
    "groundswell.accounts",
    "groundswell.audit",
    "groundswell.campaigns",
    "groundswell.stories",
    "groundswell.hub",
    "groundswell.notifications",
    "groundswell.supporters",
    "groundswell.actions",
    "groundswell.referrals",
    "groundswell.listening",
    "groundswell.moderation",
    "groundswell.api",
    "groundswell.federation",
    "groundswell.syndication",
    "groundswell.safety",
    "groundswell.fraud",
    "groundswell.retention",
    "groundswell.analytics",
    "groundswell.timelog",
    "groundswell.ledger",
    "groundswell.reporting",
    "groundswell.payments",
    "groundswell.events",
    "groundswell.volunteers",
    "groundswell.fieldreports",
    "groundswell.ideas",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "groundswell.lib.badinput.refuse_nul",
    # Servers asking an organisation's or a story's page for ActivityPub get its JSON twin.
    "groundswell.federation.negotiation.ActivityPubPages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "groundswell.urls"
WSGI_APPLICATION = "groundswell.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "groundswell" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "groundswell.accounts.context_processors.staff",
                "groundswell.timelog.context_processors.time_budget",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'groundswell.sqlite3'}"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not understood: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend plus a cross-process write lock (see groundswell/lib/sqlite).
    _db["ENGINE"] = "groundswell.lib.sqlite"
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
        # instead of failing with "database is locked" half-way through.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL lets readers go on while one process writes; NORMAL sync is durable across
        # process crashes in WAL mode (only a power cut can lose the last commits).
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-20000;"
        ),
    }
    # Tests get a file, not Django's in-memory default: with memory, the live server's
    # request threads and the test share one connection, and two requests at once (a page
    # and the favicon it asks for) can disturb each other's statements.
    _db["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to SQLite or PostgreSQL")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ------------------------------------------------------------------------

# Three queues, each worked by its own worker process (`python -m groundswell worker`): work
# that waits on other servers (link cards, federation, syndication) goes to "network", and
# reporting that scans large tables (rankings, analytics roll-ups, retention) to "reports", so
# neither holds up signatures, counts and email on "default".
TASK_QUEUES = ["default", "network", "reports"]
# Processes per queue where one is not enough. "network" work mostly waits: a feed that
# trickles holds its process for the whole fetch deadline (20 s), and 10,000 monitors at a
# 15-minute interval are 11 polls a second (bench/listening.py). Claims stay exactly-once
# with several processes: SKIP LOCKED on PostgreSQL, IMMEDIATE transactions on SQLite.
TASK_QUEUE_PROCESSES = {"network": env_int("NETWORK_WORKERS", 4)}
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": TASK_QUEUES,
    }
}

# --- Auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:staff_home"
LOGOUT_REDIRECT_URL = "hub:index"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_DAYS = env_int("INVITATION_DAYS", 14)
# "approval": a new organisation stays private until a site operator approves it in the admin;
# "open": it is public at once. Anyone signed in can start one, so approval is the default.
ORGANISATION_SIGNUP = os.environ.get("ORGANISATION_SIGNUP", "").strip().lower() or "approval"
if ORGANISATION_SIGNUP not in {"approval", "open"}:
    raise ImproperlyConfigured(
        f"ORGANISATION_SIGNUP must be approval or open, not {os.environ['ORGANISATION_SIGNUP']!r}"
    )
# Signatures accepted from one network address per minute (a burst beyond gets a clear 429).
SIGN_RATE_LIMIT_PER_MINUTE = env_int("SIGN_RATE_LIMIT_PER_MINUTE", 20)
# "Report this" forms sent from one network address per hour (beyond: a clear 429).
REPORT_RATE_LIMIT_PER_HOUR = env_int("REPORT_RATE_LIMIT_PER_HOUR", 10)
# Direct peers (addresses or CIDR ranges) whose X-Forwarded-For names the client: the TLS
# proxy in front of us. Empty: the header is ignored (anyone can send it).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
try:
    from groundswell.lib.addresses import parse_networks

    parse_networks(TRUSTED_PROXIES)
except ValueError as _error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_error}") from None
# Rate-limit counts go to Redis when this is set (redis://host:port/db), else the database.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL and urlparse(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(
        f"REDIS_URL must be a redis://, rediss:// or unix:// URL, not {REDIS_URL!r}"
    )
# How long a supporter's "keep me updated" holds before we must ask again.
CONSENT_UPDATES_DAYS = env_int("CONSENT_UPDATES_DAYS", 730)

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "groundswell" / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "groundswell" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Uploads not yet public (images of stories that are not published). Never under MEDIA_ROOT:
# `serve` lets granian answer everything there without asking Django.
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("PRIVATE_MEDIA_ROOT", DATA_DIR / "private-media")
).resolve()
if PRIVATE_MEDIA_ROOT.is_relative_to(MEDIA_ROOT) or MEDIA_ROOT.is_relative_to(PRIVATE_MEDIA_ROOT):
    raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must not contain or be inside MEDIA_ROOT")
# Static files get content-hashed names (site.3f2a9c1e.css) from collectstatic, which `serve`
# and `demo` run first, so granian can let browsers keep them for a year. The test run sets
# PLAIN_STATIC_FILES (groundswell/testenv.py): its live server finds static files by their
# source names, which a manifest would have replaced (tests/test_static_files.py checks
# the manifest itself).
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if env_bool("PLAIN_STATIC_FILES", False)
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}


def s3_storages(
    *,
    bucket: str,
    public_bucket: str,
    endpoint_url: str | None,
    access_key: str,
    secret_key: str,
    region: str,
    public_url: str,
    signed_seconds: int,
) -> dict[str, dict[str, object]]:
    """STORAGES entries for media in S3-compatible storage (django-storages).

    `private_media` holds every upload (under `private/`); members get a presigned URL
    valid `signed_seconds`. `public_media` holds the public copies (under `public/`; with
    one bucket, its policy must let the public read `public/*` and nothing else), which
    `default` (link card images) shares.
    """
    common: dict[str, object] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
        "access_key": access_key,
        "secret_key": secret_key,
        "region_name": region,
        "signature_version": "s3v4",
        # Our names are random already; never rename or overwrite someone's upload.
        "file_overwrite": False,
    }
    public: dict[str, object] = {
        **common,
        "bucket_name": public_bucket,
        "location": "public",
        "querystring_auth": False,
        # As lib.media.front serves /media/ on the file system: a withdrawn image must
        # leave caches within ten minutes.
        "object_parameters": {"CacheControl": "public, max-age=600"},
    }
    if public_url:
        address = urlparse(public_url)
        public["custom_domain"] = f"{address.netloc}{address.path.rstrip('/')}"
        public["url_protocol"] = f"{address.scheme}:"
    backend = "storages.backends.s3.S3Storage"
    return {
        "private_media": {
            "BACKEND": backend,
            "OPTIONS": {
                **common,
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": signed_seconds,
                "object_parameters": {"CacheControl": "private, no-store"},
            },
        },
        # A public copy has the private file's name: exposing it again replaces it.
        "public_media": {"BACKEND": backend, "OPTIONS": {**public, "file_overwrite": True}},
        "default": {"BACKEND": backend, "OPTIONS": public},
    }


# "filesystem" (the default): uploads under PRIVATE_MEDIA_ROOT, public copies hard-linked
# into MEDIA_ROOT and served by `serve`. "s3": both in S3-compatible storage, so several
# web machines share them (groundswell/lib/media.py; docs/deployment.md).
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "").strip().lower() or "filesystem"
if MEDIA_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {MEDIA_STORAGE!r}")
# How long a members-only link to a private file works (s3 only): a few minutes.
S3_SIGNED_URL_SECONDS = env_int("S3_SIGNED_URL_SECONDS", 300)
if MEDIA_STORAGE == "s3":
    _missing = [
        name
        for name in ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
        if not os.environ.get(name)
    ]
    if _missing:
        raise ImproperlyConfigured(f"MEDIA_STORAGE=s3 needs {', '.join(_missing)}")
    _public_url = os.environ.get("S3_PUBLIC_URL", "").strip()
    if _public_url and urlparse(_public_url).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"S3_PUBLIC_URL must be an http(s) URL, not {_public_url!r}")
    if not 30 <= S3_SIGNED_URL_SECONDS <= 3600:
        raise ImproperlyConfigured("S3_SIGNED_URL_SECONDS must be between 30 and 3600")
    STORAGES |= s3_storages(
        bucket=os.environ["S3_BUCKET"],
        public_bucket=os.environ.get("S3_PUBLIC_BUCKET") or os.environ["S3_BUCKET"],
        endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
        access_key=os.environ["S3_ACCESS_KEY_ID"],
        secret_key=os.environ["S3_SECRET_ACCESS_KEY"],
        region=os.environ.get("S3_REGION") or "us-east-1",
        public_url=_public_url,
        signed_seconds=S3_SIGNED_URL_SECONDS,
    )
# Uploads: a story image may be at most this large, before we resize it.
MAX_IMAGE_UPLOAD_BYTES = env_int("MAX_IMAGE_UPLOAD_BYTES", 8 * 1024 * 1024)
MAX_IMAGE_PIXELS = 40_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Mail -----------------------------------------------------------------------------------

EMAIL_FILE_PATH_DEFAULT = DATA_DIR / "outbox"
_mail_backend = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
_mail_options: dict[str, object] = {}
if _mail_backend.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": os.environ.get("EMAIL_HOST", "127.0.0.1"),
        "port": env_int("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": 20,
    }
elif _mail_backend.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": str(EMAIL_FILE_PATH_DEFAULT)}
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"Groundswell <noreply@{_site.hostname}>")

# --- Outbound HTTP (groundswell.lib.http) ---------------------------------------------------

HTTP_ALLOW_PRIVATE_ADDRESSES = env_bool("HTTP_ALLOW_PRIVATE_ADDRESSES", False)
HTTP_ALLOW_LOOPBACK = env_bool("HTTP_ALLOW_LOOPBACK", False)
# Each network operation (connect, one read, one write) may take this long...
HTTP_TIMEOUT_SECONDS = 10.0
# ...and a whole request, redirects included, this long: a server trickling one byte at a
# time cannot hold a worker beyond it.
HTTP_DEADLINE_SECONDS = env_int("HTTP_DEADLINE_SECONDS", 20)
HTTP_MAX_BYTES = 5 * 1024 * 1024
# Fediverse domains (and their subdomains) whose servers we neither accept from nor send to.
FEDERATION_BLOCKED_DOMAINS = env_list("FEDERATION_BLOCKED_DOMAINS", [])
# Where the operators of other servers reach whoever runs this one about our requests: in every
# outbound User-Agent and in NodeInfo. An http(s) address or `mailto:someone@host`; unset, the
# site itself. A placeholder domain would tell an operator nothing, so it is refused.
try:
    FEDERATION_CONTACT_URL = contact_url(os.environ.get("FEDERATION_CONTACT_URL", ""), SITE_URL)
except ValueError as _error:
    raise ImproperlyConfigured(str(_error)) from None

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _site.scheme == "https"
CSRF_COOKIE_SECURE = _site.scheme == "https"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Payment providers (groundswell/payments, docs/payments.md). Tests point these at servers on
# 127.0.0.1 that speak each provider's API.
PAYMENTS_STRIPE_API = os.environ.get("PAYMENTS_STRIPE_API", "https://api.stripe.com")
PAYMENTS_RAZORPAY_API = os.environ.get("PAYMENTS_RAZORPAY_API", "https://api.razorpay.com")
PAYMENTS_RAZORPAY_CHECKOUT = os.environ.get(
    "PAYMENTS_RAZORPAY_CHECKOUT", "https://api.razorpay.com/v1/checkout/embedded"
)
# Where the donate form's redirects and the Razorpay form may lead (CSP form-action).
PAYMENTS_CHECKOUT_ORIGINS = env_list(
    "PAYMENTS_CHECKOUT_ORIGINS", ["https://checkout.stripe.com", "https://api.razorpay.com"]
)

SECURE_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
}

# Mount the bare-INSERT ceiling view that bench/spike.py compares the sign path with.
BENCH_CEILING = env_bool("BENCH_CEILING", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s [%(levelname)s] %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Two lines per task run, twice a second per periodic task: the worker logs one
        # line per turn of real work instead (groundswell/lib/worklog.py). Failures are
        # logged at ERROR; `worker --verbosity 2` shows every run.
        "django.tasks": {"level": "WARNING"},
    },
}
