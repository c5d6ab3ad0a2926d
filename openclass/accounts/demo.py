DEMO_PASSWORD = "openclass-demo"
DEMO_LOGINS: list[tuple[str, str]] = []
