"""NQ57 settings: everything configurable comes from the environment.

Small helpers read each variable and fail loudly on a bad value, so a typo in
production configuration stops the process instead of silently using a default.
See README.md ("Configuration") for the list of variables.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


# "demo" loads the demo dataset and relaxes two-factor for administrators;
# "production" never loads demo data and insists on a real SECRET_KEY.
NQ57_MODE = env_str("NQ57_MODE", "demo")
if NQ57_MODE not in {"demo", "production"}:
    raise ImproperlyConfigured(f"NQ57_MODE={NQ57_MODE!r}: use 'demo' or 'production'")
DEMO_MODE = NQ57_MODE == "demo"

DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env_str("NQ57_DATA_DIR", str(PROJECT_DIR / "data"))).resolve()

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEMO_MODE:
        raise ImproperlyConfigured("SECRET_KEY must be set in production mode")
    # Demo/pilot: a key kept in the data directory so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        from django.utils.crypto import get_random_string

        SECRET_KEY = get_random_string(64)
        try:
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(SECRET_KEY)
            key_file.chmod(0o600)
        except OSError:
            pass

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "nq57.core",
    "nq57.audit",
    "nq57.orgs",
    "nq57.accounts",
    "nq57.notifications",
    "nq57.plans",
    "nq57.indicators",
    "nq57.feedback",
    "nq57.dashboards",
    "nq57.reports",
    "nq57.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "nq57.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "nq57.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "nq57.urls"
WSGI_APPLICATION = "nq57.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nq57.core.context_processors.platform",
                "nq57.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite in the data directory unless DATABASE_URL says otherwise. WAL and a busy
# timeout let the web server and the worker write without locking each other out.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not valid: {exc}") from None
    if DATABASES["default"]["ENGINE"] not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "nq57.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        # threads: large sorts (the national scorecard's GROUP BY) may use a helper thread, as PostgreSQL
        # uses parallel workers; a no-op where SQLite is built without threads.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA threads=2;",
    }
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Computed dashboards: at national volume a scope's figures take seconds to compute, so the worker computes the
# dashboards leaders open (the nation, the ministries, the provinces) every NQ57_DASHBOARD_REFRESH_MINUTES and
# keeps them for NQ57_DASHBOARD_CACHE_SECONDS, in a cache every web process and the worker share: Redis when
# configured, else a table of the database (created by `nq57 bootstrap` with `createcachetable`).
if REDIS_URL:
    CACHES["dashboards"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                            "KEY_PREFIX": "dashboards"}
else:
    CACHES["dashboards"] = {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                            "LOCATION": "nq57_dashboard_cache", "OPTIONS": {"MAX_ENTRIES": 5000}}
NQ57_DASHBOARD_CACHE_SECONDS = env_int("NQ57_DASHBOARD_CACHE_SECONDS", 1800)  # 0: always compute on request
NQ57_DASHBOARD_REFRESH_MINUTES = env_int("NQ57_DASHBOARD_REFRESH_MINUTES", 15)
# The rankings read one table of every organisation's figures per period, kept as long in the same cache.
NQ57_FIGURES_CACHE_SECONDS = env_int("NQ57_FIGURES_CACHE_SECONDS", 1800)  # 0: computed on each request
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Background tasks -----------------------------------------------------------
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Authentication -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Administrators must use TOTP outside demo mode; anyone with a role may enable it.
REQUIRE_ADMIN_2FA = env_bool("REQUIRE_ADMIN_2FA", not DEMO_MODE)
OTP_TOTP_ISSUER = "NQ57"
PASSWORD_RESET_TIMEOUT = 3 * 3600

# --- E-mail -----------------------------------------------------------------------
# Console by default (the message is printed by the server); SMTP when EMAIL_HOST is set.
_email_host = env_str("EMAIL_HOST")
if _email_host:
    MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email_host,
            "port": env_int("EMAIL_PORT", 587),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "use_ssl": env_bool("EMAIL_USE_SSL", False),
            "timeout": env_int("EMAIL_TIMEOUT", 20),
        },
    }}
else:
    MAILERS = {"default": {"BACKEND": env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "NQ57 <no-reply@nq57.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["nq57.formats"]
USE_THOUSAND_SEPARATOR = True
LANGUAGE_COOKIE_NAME = "nq57_language"

# --- Static files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
# nq57/ is the project package, not an installed app: name its static folder for the finders.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
# Largest evidence file accepted with a progress report (nginx client_max_body_size must allow it).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
WHITENOISE_USE_FINDERS = DEBUG
# Feedback submissions accepted from one client address (and from one e-mail or phone number) per hour and day.
# Requests from these addresses are from our reverse proxy: the client is taken from X-Forwarded-For.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"])
FEEDBACK_RATE_PER_HOUR = env_int("FEEDBACK_RATE_PER_HOUR", 5)
FEEDBACK_RATE_PER_DAY = env_int("FEEDBACK_RATE_PER_DAY", 20)
FEEDBACK_CONTACT_RATE_PER_HOUR = env_int("FEEDBACK_CONTACT_RATE_PER_HOUR", 3)
FEEDBACK_CONTACT_RATE_PER_DAY = env_int("FEEDBACK_CONTACT_RATE_PER_DAY", 10)
# Largest file attached to a feedback submission (at most 5 files; nginx client_max_body_size must allow them).
FEEDBACK_ATTACHMENT_MAX_BYTES = env_int("FEEDBACK_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

# --- Security ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
HTTPS = env_bool("HTTPS", not DEMO_MODE)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# KPI ratings: an indicator is green while its attainment is at most this many points (of 100) behind the
# attainment expected on its trajectory, amber up to the second number, red beyond. Indicators may override.
RAG_GREEN_POINTS = env_int("NQ57_RAG_GREEN_POINTS", 5)
RAG_AMBER_POINTS = env_int("NQ57_RAG_AMBER_POINTS", 15)
if not 0 <= RAG_GREEN_POINTS <= RAG_AMBER_POINTS:
    raise ImproperlyConfigured("NQ57_RAG_GREEN_POINTS must be between 0 and NQ57_RAG_AMBER_POINTS")
