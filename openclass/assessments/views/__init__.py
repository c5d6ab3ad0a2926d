"""Assessment pages, one module per part; each module lists its own ``urlpatterns``."""
