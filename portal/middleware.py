from portal.audit import audit_context


class AuditContextMiddleware:
    """Every request is one user action: one actor and one correlation id for all it records."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_context(user=request.user, actor="anonymous") as ctx:
            request.correlation_id = ctx.correlation_id
            return self.get_response(request)
