"""The office's commands on the sites that log in through openclass (hub.Site): registering one,
changing it, giving it a new secret, disabling and enabling it.

A site's client secret is shown to the office once and never stored in the clear:
django-oauth-toolkit hashes ``client_secret`` when the row is saved, so the plaintext exists only
in what these commands return (the page shows it once). Nothing here writes a secret to the
authentication log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import User

from . import audit
from .models import AuthEvent, Site

#: The characters and length of a generated client secret (about 340 bits).
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SECRET_LENGTH = 58
#: The scope every site gets: it is what makes a sign-in an OpenID Connect one.
OPENID = "openid"


@dataclass(frozen=True)
class SiteDetails:
    """What the office decides about a site (the register and edit forms' fields)."""

    name: str
    description: str = ""
    home_url: str = ""
    redirect_uris: str = ""
    post_logout_redirect_uris: str = ""
    backchannel_logout_uri: str = ""
    trusted: bool = False
    scopes: tuple[str, ...] = (OPENID,)
    subject_type: str = Site.Subject.PAIRWISE
    client_type: str = Site.CLIENT_CONFIDENTIAL
    service_account: User | None = None
    #: A new logo (already checked by the form: an image, size-limited); None keeps the old one.
    logo: UploadedFile | None = None
    remove_logo: bool = False


@dataclass(frozen=True)
class Registered:
    """A site and, for a confidential one, its secret in the clear: to be shown once."""

    site: Site
    secret: str


def new_secret() -> str:
    return get_random_string(SECRET_LENGTH, ALPHABET)


def allowed_uri_schemes() -> list[str]:
    """``https`` in production; ``http`` too on a development machine (its test sites run on
    http://127.0.0.1). The same list django-oauth-toolkit checks at the authorization endpoint."""
    schemes = settings.OAUTH2_PROVIDER.get("ALLOWED_REDIRECT_URI_SCHEMES")
    if schemes:
        return [scheme.lower() for scheme in schemes]
    return ["https"] if settings.PRODUCTION else ["http", "https"]


def _uri_errors(uri: str) -> list[str]:
    """Why ``uri`` may not be a redirect or logout address: absolute, an allowed scheme, a host,
    no fragment (RFC 6749 §3.1.2), no user name or password in it."""
    schemes = allowed_uri_schemes()
    try:
        URLValidator(schemes=["http", "https"])(uri)
    except ValidationError:
        return [_("«%(uri)s» is not an absolute web address.") % {"uri": uri}]
    scheme = uri.split(":", 1)[0].lower()
    if scheme not in schemes:
        return [
            _("«%(uri)s» must start with %(schemes)s.")
            % {"uri": uri, "schemes": " / ".join(f"{s}://" for s in schemes)}
        ]
    if "#" in uri:
        return [_("«%(uri)s» may not have a fragment (#…).") % {"uri": uri}]
    if "@" in uri.split("/", 3)[2]:
        return [_("«%(uri)s» may not hold a user name or password.") % {"uri": uri}]
    return []


def _uri_list(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _check(details: SiteDetails, site: Site | None) -> dict[str, Any]:
    """The site's fields from ``details``, or a ValidationError naming each wrong field."""
    errors: dict[str, list[str]] = {}
    name = details.name.strip()
    if not name:
        errors.setdefault("name", []).append(_("Give the site a name."))
    elif Site.objects.filter(name__iexact=name).exclude(pk=getattr(site, "pk", None)).exists():
        # A name is how people recognise the site on the consent page: two alike would mislead
        # (and a form sent twice does not register the site twice).
        errors.setdefault("name", []).append(_("A site with this name is already registered."))
    redirects = _uri_list(details.redirect_uris)
    logouts = _uri_list(details.post_logout_redirect_uris)
    for field, uris in (("redirect_uris", redirects), ("post_logout_redirect_uris", logouts)):
        for uri in uris:
            errors.setdefault(field, []).extend(_uri_errors(uri))
        if not errors.get(field):
            errors.pop(field, None)
    if not redirects:
        errors.setdefault("redirect_uris", []).append(
            _("Give at least one address the site receives its sign-ins at.")
        )
    for field, value in (
        ("backchannel_logout_uri", details.backchannel_logout_uri.strip()),
        ("home_url", details.home_url.strip()),
    ):
        if value and (problems := _uri_errors(value)):
            errors.setdefault(field, []).extend(problems)
    known = set(settings.OAUTH2_PROVIDER["SCOPES"])
    scopes = [OPENID, *sorted(set(details.scopes) - {OPENID})]
    if not set(scopes) <= known:
        errors.setdefault("scopes", []).append(_("Choose only the scopes listed."))
    if details.subject_type not in Site.Subject.values:
        errors.setdefault("subject_type", []).append(_("Choose a kind of user identifier."))
    if details.client_type not in (Site.CLIENT_CONFIDENTIAL, Site.CLIENT_PUBLIC):
        errors.setdefault("client_type", []).append(_("Choose a kind of client."))
    account = details.service_account
    if account is not None:
        if details.client_type != Site.CLIENT_CONFIDENTIAL:
            # Client credentials are a secret's proof: a public client has none.
            errors.setdefault("service_account", []).append(
                _("Only a site that keeps a secret (confidential) may have a service account.")
            )
        elif not account.is_active:
            errors.setdefault("service_account", []).append(_("This account is not active."))
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "description": details.description.strip(),
        "home_url": details.home_url.strip(),
        "redirect_uris": " ".join(redirects),
        "post_logout_redirect_uris": " ".join(logouts),
        "backchannel_logout_uri": details.backchannel_logout_uri.strip(),
        "skip_authorization": details.trusted,
        "allowed_scopes": " ".join(scopes),
        "subject_type": details.subject_type,
        "client_type": details.client_type,
        "service_account": account,
    }


def _set_logo(site: Site, details: SiteDetails) -> None:
    """Store a new logo or forget the old one; the old file is deleted only once the row that
    no longer names it is committed (a refused save keeps the logo it shows)."""
    old = site.logo.name if site.logo else ""
    if details.logo is not None:
        site.logo.save(details.logo.name or "logo", details.logo, save=False)
    elif details.remove_logo:
        site.logo.name = ""
    else:
        return
    if old:
        storage = site.logo.storage
        transaction.on_commit(lambda: storage.delete(old))


def register_site(actor: User, details: SiteDetails) -> Registered:
    """Register a site. It signs people in with the authorization code flow (PKCE required); its
    ID tokens are signed with the hub's RSA keys (RS256: a hashed secret cannot sign). A
    confidential site gets a secret, returned here in the clear once and saved hashed.

    One transaction: the row and its logo's name are saved together (a refused form leaves no
    site behind)."""
    require_capability(actor, "hub.manage_sites")
    fields = _check(details, None)
    confidential = fields["client_type"] == Site.CLIENT_CONFIDENTIAL
    # A public site proves nothing with a secret, but an empty one would be hashed as the
    # empty string: it gets a random one nobody is told.
    secret = new_secret()
    with transaction.atomic():
        site = Site(
            **fields,
            authorization_grant_type=Site.GRANT_AUTHORIZATION_CODE,
            algorithm=Site.RS256_ALGORITHM,
            client_secret=secret,
            hash_client_secret=True,
            secret_rotated_at=timezone.now() if confidential else None,
            created_by=actor,
        )
        _set_logo(site, details)
        site.save()
        audit.record(
            AuthEvent.Kind.SITE_REGISTERED, user=actor, site=site, detail=site.allowed_scopes
        )
    return Registered(site, secret if confidential else "")


def update_site(actor: User, site: Site, details: SiteDetails) -> Site:
    """Change what the office decided about a site. The client id and secret stay; a site made
    public loses its secret (it is replaced by one nobody is told). Taking a scope away
    does not end sign-ins already made: it holds from the next token on.

    One transaction, under a lock on the row, so two office admins editing at once do not
    undo each other's secret rotation or disabling (those fields are not written here)."""
    require_capability(actor, "hub.manage_sites")
    fields = _check(details, site)
    with transaction.atomic():
        locked = Site.objects.select_for_update().get(pk=site.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        if locked.client_type == Site.CLIENT_PUBLIC and site.client_type != Site.CLIENT_PUBLIC:
            locked.client_secret = new_secret()  # never told: the old one stops working
            locked.secret_rotated_at = None
        _set_logo(locked, details)
        locked.save()
        audit.record(
            AuthEvent.Kind.SITE_CHANGED, user=actor, site=locked, detail=locked.allowed_scopes
        )
    return locked


def rotate_secret(actor: User, site: Site) -> Registered:
    """Give a confidential site a new secret: the old one stops working at once (the token
    endpoint checks the stored hash). Tokens already issued keep working until they expire —
    disable the site to end them too. The new secret is returned in the clear, once.

    One transaction with a lock on the row: two rotations at once leave one secret, the one
    the later page shows."""
    require_capability(actor, "hub.manage_sites")
    if site.client_type != Site.CLIENT_CONFIDENTIAL:
        raise ValidationError(_("A public site has no secret to change."))
    secret = new_secret()
    with transaction.atomic():
        locked = Site.objects.select_for_update().get(pk=site.pk)
        locked.client_secret = secret
        locked.hash_client_secret = True
        locked.secret_rotated_at = timezone.now()
        locked.save(
            update_fields=["client_secret", "hash_client_secret", "secret_rotated_at", "updated"]
        )
        audit.record(AuthEvent.Kind.SECRET_ROTATED, user=actor, site=locked)
    return Registered(locked, secret)


def set_active(actor: User, site: Site, active: bool) -> int:
    """Disable or enable a site. Disabling revokes everything the site holds at once — its
    access, refresh and ID tokens and its unused authorization codes are deleted — so no person
    stays signed in to it and its API calls stop; enabling only lets new sign-ins through.
    Returns how many tokens were revoked.

    One transaction: the site is never seen disabled with tokens left, nor tokens deleted while
    it is still active (a token issued meanwhile waits for the row lock and is then deleted)."""
    require_capability(actor, "hub.manage_sites")
    with transaction.atomic():
        locked = Site.objects.select_for_update().get(pk=site.pk)
        locked.is_active = active
        locked.save(update_fields=["is_active", "updated"])
        revoked = 0
        if not active:
            tokens = AccessToken.objects.filter(application=locked)
            refresh = RefreshToken.objects.filter(application=locked)
            revoked = tokens.count() + refresh.count()
            # A refresh token points at its access token and an access token at its ID token:
            # refresh tokens first, the ID tokens last (deleting one deletes its access token).
            refresh.delete()
            tokens.delete()
            IDToken.objects.filter(application=locked).delete()
            Grant.objects.filter(application=locked).delete()
        kind = AuthEvent.Kind.SITE_ENABLED if active else AuthEvent.Kind.SITE_DISABLED
        audit.record(kind, user=actor, site=locked, detail=f"{revoked} tokens" if revoked else "")
    site.is_active = active
    return revoked


# --- The platform's signing keys, for the areas that sign as openclass (LTI's id_token) -------


def signing_key() -> tuple[str, Any]:
    """The key that signs now: its ``kid`` and the private key (jwcrypto's JWK). Another area's
    tokens signed with it verify against the one published key set."""
    from . import keys

    key = keys.active_key()
    return key.kid, keys.jwk_of(key)


def published_key_set() -> dict[str, list[dict[str, Any]]]:
    """The public keys openclass signs with (the JWKS as a dict): the signing key and the retired
    ones whose tokens may still be alive."""
    import json

    from . import keys

    published = keys.published_keys() or [keys.active_key()]
    return {
        "keys": [
            {
                "alg": "RS256",
                "use": "sig",
                "kid": key.kid,
                **json.loads(keys.jwk_of(key).export_public()),
            }
            for key in published
        ]
    }
