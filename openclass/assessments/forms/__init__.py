"""Forms of the assessment pages, one module per part (as ``views``): they parse input and show
errors; the rules are the services'."""
