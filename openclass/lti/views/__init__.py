"""The LTI platform's pages: tools (registration), lessons (a tool lesson's settings), launch
(the launch, the OIDC authorization endpoint, the key set), deep_linking."""
