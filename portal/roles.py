"""The Training coordinator role: a Django group with explicit permissions.

Each app's data migration grants its own permissions with :func:`grant_to_coordinators`.
"""

from django.contrib.auth.management import create_permissions

COORDINATOR_GROUP = "Training coordinator"


def grant_to_coordinators(apps, schema_editor, *, app_label: str, codenames: list[str]) -> None:
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # a migration's app config stub has none
    create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    missing = set(codenames) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Unknown permissions for {app_label}: {sorted(missing)}")
    group.permissions.add(*permissions)
