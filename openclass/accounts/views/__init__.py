"""Pages of the accounts area, one module per part: ``login`` (signing in with a password or a
QR login card, changing the password, the lockout page), ``people`` (the people list, a person,
a password reset) and ``roster`` (importing a roster, printing first-login sheets). Who may see
whom is ``accounts.scoping``; what a role may do is ``accounts.capabilities``."""
