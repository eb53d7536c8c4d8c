"""Course files: parsing, validation and rendering, with no Flask or database imports."""
