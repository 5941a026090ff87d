"""The Textual review application: make_app() builds it for the CLI and the tests."""
