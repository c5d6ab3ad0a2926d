"""The Open API's resources: one module per area, each with ``router = Router(tags=[...])``;
``openclass.api.main`` mounts every module found here (see ``openclass.api.framework``)."""
