from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from portal.models import AuditChainHead, AuditEvent


class Command(BaseCommand):
    help = ("PostgreSQL: give ROLE what the web process and the workers need (read and write every table, use the "
            "sequences) except changing or removing audit events: no UPDATE, DELETE or TRUNCATE on the audit "
            "table (nor removing the hash chain's head). Run it as the tables' owner after every migrate. ROLE must not own the tables nor be a "
            "superuser: an owner may ALTER the table (switch its trigger off) and a superuser may do anything.")

    def add_arguments(self, parser):
        parser.add_argument("role", help="an existing PostgreSQL role, e.g. portal_web")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, pg_has_role(%s, current_user, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                           [role, role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"There is no role {role!r}: CREATE ROLE {role} LOGIN PASSWORD '...' first.")
            if any(found):
                raise CommandError(f"{role!r} is a superuser or may act as the tables' owner: it could still rewrite "
                                   "the audit log. Use a role of its own.")
            cursor.execute("SELECT current_database(), current_schema()")
            db_name, schema = cursor.fetchone()
            grantee, schema = quote(role), quote(schema)
            audit_table, head_table = quote(AuditEvent._meta.db_table), quote(AuditChainHead._meta.db_table)
            for sql in (
                f"GRANT CONNECT ON DATABASE {quote(db_name)} TO {grantee}",
                f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {audit_table} FROM {grantee}",
                f"REVOKE DELETE, TRUNCATE ON {head_table} FROM {grantee}",  # it moves the head, never removes it
            ):
                cursor.execute(sql)
        self.stdout.write(f"{role} may use every table; the audit log it may only read and append to.")
