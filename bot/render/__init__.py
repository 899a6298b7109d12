"""Rendering: every embed, component and string users see is built in this package."""
