"""openclass settings: the one settings loader.

Everything comes from ``OPENCLASS_*`` environment variables with embedded defaults, so the same
code runs on one machine (SQLite in WAL mode, in-memory channel layer, Huey on SQLite) and scaled
out (PostgreSQL, Redis) by changing only the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OPENCLASS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"OPENCLASS_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """Use OPENCLASS_SECRET_KEY, or a key made once per installation and kept under var/."""
    if key := env("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
# "production" turns on HTTPS-only cookies, HSTS and the HTTPS redirect; behind nginx in deploy/.
PRODUCTION = env("ENV", "development") == "production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env("SITE_NAME", "openclass")

INSTALLED_APPS = [
    "openclass.web",  # first, so its templates (admin title, error pages) win
    "openclass.accounts",
    "openclass.catalog",
    "openclass.media",
    "openclass.courses",
    "openclass.assessments",
    "openclass.live",
    "openclass.notifications",
    "openclass.operations",
    "openclass.privacy",
    "openclass.hub",
    "openclass.api",
    "openclass.search",
    "openclass.lists",
    "openclass.feeds",
    "openclass.xapi",
    "openclass.lti",
    # Django admin, for superusers only (accounts.admin_site): the office has its own pages.
    "openclass.accounts.admin_site.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "oauth2_provider",
    # Only for the API docs page's Swagger UI files, served from our static files (no CDN).
    "ninja",
    # The office's pages keep each record's history (who changed what, when) with it.
    "simple_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their long cache): no-store and Permissions-Policy.
    "openclass.accounts.middleware.PrivacyHeadersMiddleware",
    # A NUL in a query string or form field is a 400 (PostgreSQL cannot even compare such text).
    "openclass.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's own language over the browser's (LocaleMiddleware chose that).
    "openclass.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "openclass.core.csp.CSPMiddleware",
    # After CSP (its response is seen first): the login page on the way to a site lets its
    # form's redirects reach that site's registered address (form-action).
    "openclass.hub.middleware.SignInOnTheWayToASiteMiddleware",
    "axes.middleware.AxesMiddleware",
    # Who made a change, for the history simple_history keeps of the office's records.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: a page's redirect to the password form comes after every other middleware's
    # checks. (The chain runs in sync mode in the request's thread, openclass.core.asgi.)
    "openclass.accounts.middleware.ForcePasswordChangeMiddleware",
]

ROOT_URLCONF = "openclass.urls"
ASGI_APPLICATION = "openclass.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openclass.web.context_processors.site",
                "openclass.accounts.context_processors.capabilities",
                "openclass.notifications.context_processors.unread_count",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'openclass.sqlite3'}")
    )
}
# Connections are kept between requests by the request threads (openclass.core.asgi): opening
# one costs more than most queries (SQLite reads the schema and Django registers its functions
# on every new connection; PostgreSQL forks a server process).
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DB_CONN_MAX_AGE", "60"))
# Threads of one server process running the synchronous views, each with its own database
# connection; more requests than this wait their turn.
HTTP_REQUEST_THREADS = int(env("HTTP_REQUEST_THREADS", "4"))
# The platform replaces a few parts of Django and Channels on its hot paths (openclass.core:
# compiled queries, the request threads, the single-process channel layer, the socket base, the
# SQLite writers' queue; docs/upgrading.md). 1 puts the stock parts back, to tell after an
# upgrade whether a fault is ours: slower, same behaviour.
STOCK_FAST_PATHS = env_bool("STOCK_FAST_PATHS")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The threads of a process take SQLite's one write lock in turn, first come first served
    # (openclass.core.sqlite, decision 0006), not by SQLite's sleep-and-retry.
    if not STOCK_FAST_PATHS:
        DATABASES["default"]["ENGINE"] = "openclass.core.sqlite"
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked" mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis or embedded: channel layer, cache, jobs ------------------------------------------
REDIS_URL = env("REDIS_URL")
# Server processes (uvicorn workers) sharing the port; several only with Redis between them.
WEB_WORKERS = int(env("WEB_WORKERS", "1"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A class of a thousand hears every arrival: room for more than the default 100
            # messages waiting per connection before the layer drops them. And more than the
            # 100 Redis connections redis-py pools by default: with a school's pages joining
            # at once a process needs more at a time, and past the limit redis-py refuses
            # ("Too many connections") instead of waiting, dropping those pages. And a socket
            # timeout longer than the 5 s channels_redis waits in Redis for a page's next
            # message (BZPOPMIN): redis-py 8 times reads out after 5 s by default, so an idle
            # or busy page's wait could end in a TimeoutError, ending that page (seen under a
            # school's connect storm; django/channels_redis#422).
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": 1000, "socket_timeout": 30}],
                "capacity": 2000,
            },
        }
    }
    CACHES = {
        "default": {"BACKEND": "openclass.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "openclass",
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    # One uvicorn worker holds the in-memory layer and cache: more workers need OPENCLASS_REDIS_URL.
    if WEB_WORKERS > 1:
        raise ImproperlyConfigured(
            "OPENCLASS_WEB_WORKERS above 1 needs OPENCLASS_REDIS_URL: the in-memory channel "
            "layer and cache live in one process."
        )
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": (
                "channels.layers.InMemoryChannelLayer"
                if STOCK_FAST_PATHS
                else "openclass.core.layers.LocalChannelLayer"
            ),
            "CONFIG": {"capacity": 2000},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "openclass",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": env_bool("HUEY_IMMEDIATE"),
    }

# --- Accounts, login, sessions --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "openclass.accounts.backends.LoginCardBackend",
]
# Argon2id at OWASP's minimum: ~35 ms a hash here, so a school's 9 o'clock login storm fits.
PASSWORD_HASHERS = [
    "openclass.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Last: only the sites' client secrets (OAUTH2_PROVIDER's CLIENT_SECRET_HASHER), never a
    # password (openclass/hub/hashers.py says why).
    "openclass.hub.hashers.MachineSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_ENGINE = "openclass.accounts.sessions"
# "Keep me signed in on this device": a student's own tablet stays signed in for a month; an
# unticked box (a shared computer room PC) ends the session when the browser closes.
REMEMBERED_SESSION_AGE = int(env("REMEMBERED_SESSION_DAYS", "30")) * 24 * 3600
SESSION_COOKIE_AGE = REMEMBERED_SESSION_AGE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Failed-login limit per account *and* address: a whole school shares one NAT address, so an
# address-only lock would shut out every student because one typed a wrong password.
# Failures are kept in the database (shared by every process, kept across restarts); successful
# logins write no access-log row, so the 9 o'clock storm costs no extra writes.
AXES_HANDLER = "openclass.accounts.lockout.AddressBudgetHandler"  # axes's, + the address budget
AXES_DISABLE_ACCESS_LOG = True
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failed logins from one address, over all accounts, within the cool-off, before the address is
# locked out too (spraying one password over predictable user names). Failures only: a school of
# ~1,000 behind one NAT address at 9 o'clock mostly mistypes and then gets in, and the success
# takes that account's typos off the count (AXES_RESET_ON_SUCCESS); what stays is who never gets
# in, each stopped at 5 by their own lock: even 30 such students are 150. 300 leaves that margin
# twice, and holds a sprayer to 300 guesses a quarter hour (decision record 0001).
LOGIN_ADDRESS_FAILURE_LIMIT = int(env("LOGIN_ADDRESS_FAILURE_LIMIT", "300"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "openclass.accounts.views.login.lockout"
AXES_IPWARE_PROXY_COUNT = int(env("PROXY_COUNT", "0")) or None
AXES_VERBOSE = False

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading commits the office's domain to HTTPS in browsers for good: the operator opts in.
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "openclass" / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Where uploaded files are stored (docs/decisions/0010-file-storage.md); every area goes through
# Django's storage API. "filesystem": MEDIA_ROOT, a directory all web and worker hosts share.
# "s3": a bucket of S3-compatible object storage, through django-storages (boto3).
STORAGE_KIND = env("STORAGE", "filesystem")
if STORAGE_KIND == "filesystem":
    DEFAULT_STORAGE: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_KIND == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": env("S3_ENDPOINT") or None,  # None: Amazon S3 itself
            "region_name": env("S3_REGION") or None,
            "bucket_name": env("S3_BUCKET", "openclass"),
            "access_key": env("S3_ACCESS_KEY"),
            "secret_key": env("S3_SECRET_KEY"),
            # Path-style URLs (endpoint/bucket/key) work with every S3-compatible server.
            "addressing_style": "path",
            # Files are private and served by the app after its permission check.
            "default_acl": None,
            "querystring_auth": True,
            # As on a filesystem: a second file of the same name gets a new name.
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured("OPENCLASS_STORAGE is 'filesystem' or 's3'")
# This host's own folder (never shared): the bytes of unfinished tus uploads, and scratch space
# for ffprobe and ffmpeg's copies and output before they are stored.
MEDIA_SPOOL_DIR = Path(env("MEDIA_SPOOL_DIR", str(VAR_DIR / "spool")))
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ROSTER_MAX_BYTES = int(env("ROSTER_MAX_BYTES", str(5 * 1024 * 1024)))
XLSX_MAX_UNPACKED_BYTES = int(env("XLSX_MAX_UNPACKED_MB", "50")) * 1024 * 1024

# --- Uploads and videos (openclass.media) ---------------------------------------------------
# Largest video a teacher may upload (tus Tus-Max-Size); nginx's client_max_body_size only has to
# fit one upload chunk, since the browser sends the file in resumable pieces.
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_MB", "1024")) * 1024 * 1024
# How long a signed playback URL (HLS playlists, segments, poster) stays valid.
VIDEO_PLAYBACK_TOKEN_MAX_AGE = int(float(env("VIDEO_TOKEN_HOURS", "6")) * 3600)
# ffmpeg threads per transcode; ffmpeg also runs at a lower CPU priority (nice 10), so the web
# process stays responsive on a 2-core server while a video converts.
VIDEO_TRANSCODE_THREADS = int(env("TRANSCODE_THREADS", "2"))
# Behind nginx, let it send the HLS files once the app has checked the token: the URL prefix of
# an `internal` nginx location aliased to MEDIA_ROOT (e.g. "/_protected_media/"); empty: the app
# streams the files itself.
VIDEO_ACCEL_REDIRECT_PREFIX = env("VIDEO_ACCEL_REDIRECT", "")
FFMPEG_BINARY = env("FFMPEG", "ffmpeg")
FFPROBE_BINARY = env("FFPROBE", "ffprobe")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # run_huey adds its own handler to a "huey" logger that has none, printing every line twice.
        "huey": {"handlers": ["console"], "propagate": False},
    },
}

# --- First-login credentials ----------------------------------------------------------------
# Elementary grades up to this one get a QR login card with a PIN instead of typing a password.
LOGIN_CARD_MAX_GRADE = int(env("LOGIN_CARD_MAX_GRADE", "2"))
HASHING_THREADS = os.cpu_count() or 2


# --- Privacy duties (openclass.privacy) ------------------------------------------------------
# Days the access log of student records is kept (개인정보의 안전성 확보조치 기준 §8: at least a
# year, two for a system holding 50,000 or more people's data, as a city's platform does).
ACCESS_LOG_RETENTION_DAYS = int(env("ACCESS_LOG_RETENTION_DAYS", "730"))
# Days a student who left school stays under their name (deactivated) before their account is
# pseudonymised: the school year after, to answer questions about grades and attendance.
LEAVER_RETENTION_DAYS = int(env("LEAVER_RETENTION_DAYS", "365"))


# --- E-mail and links in it (openclass.notifications) ---------------------------------------
# The address people reach the platform at, for links in e-mails.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "openclass <no-reply@localhost>")
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_TLS", True)
else:
    # Without a mail server, messages are written as files an operator can read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")


# --- Live classes on Janus (openclass.live) -------------------------------------------------
# Empty: one Janus on this machine, started by `make run` (manage.py run_janus) on JANUS_PORT.
# Otherwise the pool's HTTP API addresses, comma-separated; JANUS_PUBLIC_URLS gives the address
# browsers use for each (in the same order) when it differs, e.g. behind nginx.
JANUS_URLS = env_list("JANUS_URLS")
JANUS_LOCAL = not JANUS_URLS
JANUS_PORT = int(env("JANUS_PORT", "8088"))
JANUS_ADMIN_PORT = int(env("JANUS_ADMIN_PORT", "7088"))
if JANUS_LOCAL:
    JANUS_URLS = [f"http://127.0.0.1:{JANUS_PORT}/janus"]
JANUS_PUBLIC_URLS = env_list("JANUS_PUBLIC_URLS") or list(JANUS_URLS)


def _derived_secret(purpose: str) -> str:
    """A secret of this installation for one purpose, from the secret key (so a single Janus
    needs no extra setting); a pool of servers is given the same values explicitly."""
    return hmac.new(SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:40]


# token_auth_secret of every Janus (signs the tokens browsers and the app use), the VideoRoom
# admin_key (only the app creates rooms) and the password of Janus's event handler.
JANUS_TOKEN_SECRET = env("JANUS_TOKEN_SECRET") or _derived_secret("janus-token")
JANUS_ADMIN_KEY = env("JANUS_ADMIN_KEY") or _derived_secret("janus-admin-key")
JANUS_EVENTS_PASSWORD = env("JANUS_EVENTS_PASSWORD") or _derived_secret("janus-events")
# Janus's admin API (loopback only; the app does not use it, operators may).
JANUS_ADMIN_SECRET = env("JANUS_ADMIN_SECRET") or _derived_secret("janus-admin-api")
# STUN/TURN servers handed to browsers (JSON, RTCPeerConnection's iceServers); none by default.
JANUS_ICE_SERVERS = json.loads(env("JANUS_ICE_SERVERS", "[]"))
# A reconnect within this many seconds counts as the same stay in class.
LIVE_RECONNECT_GRACE_SECONDS = int(env("LIVE_RECONNECT_GRACE_SECONDS", "90"))
# A join ticket must be used within this many seconds.
LIVE_TICKET_SECONDS = 120
LIVE_RECORDINGS_DIR = Path(env("LIVE_RECORDINGS_DIR", str(VAR_DIR / "recordings")))


# --- Backups (openclass.core.backup; the operator guide's "Backups") -------------------------
# Where `manage.py backup` makes its directories when not told otherwise; copy them off-site.
BACKUP_DIR = Path(env("BACKUP_DIR", str(VAR_DIR / "backups")))


# --- The login hub (openclass.hub): OpenID Connect provider and outside sign-in ---------------
# openclass is the city's OpenID Connect provider (django-oauth-toolkit): the office registers
# the sites (hub.Site) on its own pages. docs/decisions/0014-login-hub.md.
OAUTH2_PROVIDER_APPLICATION_MODEL = "hub.Site"
OAUTH2_PROVIDER: dict = {
    "OIDC_ENABLED": True,
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(env("OIDC_ACCESS_TOKEN_SECONDS", "3600")),
    "ID_TOKEN_EXPIRE_SECONDS": int(env("OIDC_ID_TOKEN_SECONDS", "3600")),
    "REFRESH_TOKEN_EXPIRE_SECONDS": int(env("OIDC_REFRESH_TOKEN_DAYS", "30")) * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # The issuer is the site's root; discovery is at /.well-known/openid-configuration.
    "OIDC_ISS_ENDPOINT": SITE_URL.rstrip("/"),
    # Claims by scope, pairwise subjects, the refusals and the authentication log.
    "OAUTH2_VALIDATOR_CLASS": "openclass.hub.validator.Validator",
    # No OIDC_RSA_PRIVATE_KEY: the RS256 keys are in the database (openclass.hub.keys, rotated
    # by `manage.py rotate_signing_key`); hub.Site.jwk_key and the hub's JWKS and discovery
    # views read them there.
    "SCOPES": {
        "openid": _("Know who you are on openclass"),
        "profile": _("Your name and role"),
        "school": _("Your school, grade and class"),
        "roster": _("Read the rosters you may see"),
        # The Open API's own scopes (openclass.api.scopes): a token's narrow what its person may.
        "roster.write": _("Change the rosters you manage (students)"),
        "courses": _("Your courses, lessons and progress"),
        "records": _("Attendance, results and grades you may see"),
        "live": _("Your live classes and their attendance"),
        "operations": _("Your course applications and pay statements"),
        "notifications": _("Your notifications"),
        # The learning record store's (xAPI 1.0.3 part three §4; openclass.xapi.auth): the
        # specification's names, but xapi/profile (profile above is OpenID Connect's).
        "statements/write": _("Record your learning (xAPI statements)"),
        "statements/read": _("Read the learning records you may see"),
        "statements/read/mine": _("Read your own learning records"),
        "state": _("Keep your progress in outside content (xAPI state)"),
        "xapi/profile": _("Keep your profiles in outside content (xAPI profiles)"),
        "define": _("Define learning activities (xAPI)"),
        "all/read": _("Read all the learning records you may see"),
        "all": _("Everything in the learning record store you may use"),
    },
    "DEFAULT_SCOPES": ["openid"],
    "CLIENT_SECRET_HASHER": "sha256_secret",
    # RFC 9700 (OAuth 2.0 Security BCP), all of it: no implicit or password grants, PKCE S256
    # only, tokens never in a URL, `iss` in the authorization response, tokens stored hashed,
    # a refresh token used twice revokes its family; and `check --deploy` fails on a lapse.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Sites registered in production redirect to https only; a development machine's own test
    # sites live on http://127.0.0.1.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["http", "https"],
}


# --- Outside sign-in (openclass.hub.outside): an outside OpenID Connect provider ----------------
# People may also sign in through the city's own SSO (mozilla-django-oidc): off unless the client
# id, its secret and the provider (its issuer, whose discovery document names the endpoints, or
# the endpoints themselves) are set. The endpoints are read from discovery on first use, never at
# start-up. A login is matched to one existing active account by a claim; nobody is created.
OUTSIDE_OIDC_ISSUER = env("OUTSIDE_OIDC_ISSUER").rstrip("/")
OIDC_RP_CLIENT_ID = env("OUTSIDE_OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env("OUTSIDE_OIDC_CLIENT_SECRET")
# Each overrides what discovery says (all four, and no issuer: no discovery at all).
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OUTSIDE_OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env("OUTSIDE_OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env("OUTSIDE_OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env("OUTSIDE_OIDC_JWKS_ENDPOINT")
_outside_endpoints = (
    OIDC_OP_AUTHORIZATION_ENDPOINT,
    OIDC_OP_TOKEN_ENDPOINT,
    OIDC_OP_USER_ENDPOINT,
    OIDC_OP_JWKS_ENDPOINT,
)
OUTSIDE_OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET and (OUTSIDE_OIDC_ISSUER or all(_outside_endpoints))
)
if not OUTSIDE_OIDC_ENABLED and (
    OUTSIDE_OIDC_ISSUER or OIDC_RP_CLIENT_ID or OIDC_RP_CLIENT_SECRET or any(_outside_endpoints)
):
    raise ImproperlyConfigured(
        "Outside sign-in needs OPENCLASS_OUTSIDE_OIDC_CLIENT_ID, _CLIENT_SECRET and either "
        "_ISSUER or all four endpoints (README, operator guide)."
    )
# The button on the login page: "<name>(으)로 로그인".
OUTSIDE_OIDC_NAME = env("OUTSIDE_OIDC_NAME", "통합로그인")
# The provider's claim that names the person, and the account field it must equal.
OUTSIDE_OIDC_MATCH_CLAIM = env("OUTSIDE_OIDC_MATCH_CLAIM", "preferred_username")
OUTSIDE_OIDC_MATCH_FIELD = env("OUTSIDE_OIDC_MATCH_FIELD", "username")
if OUTSIDE_OIDC_MATCH_FIELD not in {"username", "email"}:
    raise ImproperlyConfigured("OPENCLASS_OUTSIDE_OIDC_MATCH_FIELD is username or email.")
OIDC_RP_SCOPES = env("OUTSIDE_OIDC_SCOPES", "openid profile")
OIDC_RP_SIGN_ALGO = env("OUTSIDE_OIDC_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "hub:outside_callback"
OIDC_TIMEOUT = 10
if OUTSIDE_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("openclass.hub.outside.OutsideBackend")


# --- The Open API (openclass.api) ------------------------------------------------------------
# Requests a token or client may make per minute before 429 (Redis when configured, the local
# cache otherwise). docs/api.md.
API_RATE_PER_MINUTE = int(env("API_RATE_PER_MINUTE", "600"))
# … and one site, all its tokens together (a relying site syncing for every school).
API_CLIENT_RATE_PER_MINUTE = int(env("API_CLIENT_RATE_PER_MINUTE", "30000"))


# --- Forwarding learning records to outside LRSs (openclass.xapi.forwarding) --------------------
# A near-real-time outside LRS gets a batch this many seconds after a statement is stored.
XAPI_FORWARD_DELAY_SECONDS = int(env("XAPI_FORWARD_DELAY_SECONDS", "1"))
# A statement an outside LRS kept refusing (errors, timeouts) is marked failed after this many.
XAPI_FORWARD_MAX_ATTEMPTS = int(env("XAPI_FORWARD_MAX_ATTEMPTS", "10"))
# The hour (0–23, local time) nightly-batch outside LRSs are sent everything pending.
XAPI_NIGHTLY_HOUR = int(env("XAPI_NIGHTLY_HOUR", "2"))
