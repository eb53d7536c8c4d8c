"""Framework integration: how Sabak plugs into Flask and its extensions, kept apart from the domain."""
