"""Reference geography: building it from the source files and reading the built layers."""
