from django.contrib.auth.hashers import check_password, make_password

from openclass.hub.hashers import MachineSecretHasher
from openclass.hub.models import Site


def test_a_secret_is_stored_salted_and_checks() -> None:
    first = make_password("s3cret-made-by-openclass", hasher="sha256_secret")
    second = make_password("s3cret-made-by-openclass", hasher="sha256_secret")
    assert first.startswith("sha256_secret$") and first != second
    assert "s3cret" not in first
    assert check_password("s3cret-made-by-openclass", first)
    assert not check_password("s3cret-made-by-openclass!", first)


def test_no_password_is_hashed_with_it(settings) -> None:
    assert settings.PASSWORD_HASHERS[-1] == "openclass.hub.hashers.MachineSecretHasher"
    assert make_password("a person's password").split("$")[0] != MachineSecretHasher.algorithm


def test_a_sites_secret_is_saved_with_it(db) -> None:
    site = Site(
        name="꿀박사",
        client_type=Site.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Site.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://site.example/cb",
        client_secret="a-long-random-secret-" + "x" * 40,
    )
    site.save()
    stored = Site.objects.values_list("client_secret", flat=True).get(pk=site.pk)
    assert stored.startswith("sha256_secret$")
    assert check_password("a-long-random-secret-" + "x" * 40, stored)
