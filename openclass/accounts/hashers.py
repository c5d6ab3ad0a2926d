from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1).

    Django's defaults (100 MiB, p=8) cost ~180 ms a login on a 2-core server, which makes a whole
    school signing in at 9 o'clock queue for minutes; these parameters cost ~35 ms and are still
    what OWASP's password storage cheat sheet recommends. Hashes keep the "argon2" prefix, so older
    hashes with other parameters still verify and are upgraded on the next login.
    """

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
