import flipdeck_this_package_does_not_exist  # noqa: F401 — the import error the lab tests expect
