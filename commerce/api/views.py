from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView, HttpError
from graphql import GraphQLError, GraphQLSyntaxError, OperationType, parse, specified_rules
from graphql.utilities import get_operation_ast

from commerce.core.errors import DomainError

from .core import ApiErrorCode

logger = logging.getLogger(__name__)

MAX_QUERY_DEPTH = 15


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database readiness for load balancers and compose healthchecks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def format_error(error: Exception) -> dict[str, Any]:
    """Every error leaves with a message and ``extensions.code``; bugs never leak details."""
    if isinstance(error, HttpError):
        message = error.message or error.response.content.decode("utf-8", "replace")
        return {"message": message, "extensions": {"code": ApiErrorCode.BAD_REQUEST.value}}
    if not isinstance(error, GraphQLError):
        logger.error("GraphQL request failed", exc_info=error)
        return {"message": _("Internal server error."),
                "extensions": {"code": ApiErrorCode.INTERNAL_ERROR.value}}

    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    original = error.original_error
    if "code" not in extensions:
        if isinstance(error, GraphQLSyntaxError):
            extensions["code"] = ApiErrorCode.GRAPHQL_PARSE_FAILED.value
        elif not error.path:
            # Raised before any resolver ran: the document or its variables are invalid.
            extensions["code"] = ApiErrorCode.GRAPHQL_VALIDATION_FAILED.value
        elif isinstance(original, DomainError):
            extensions["code"] = original.code.upper()
            if original.field:
                extensions["field"] = original.field
        elif isinstance(original, GraphQLError):
            extensions.update(original.extensions or {})
            extensions.setdefault("code", ApiErrorCode.INVALID.value)
        elif original is not None:
            # An unexpected exception inside a resolver: log it, answer generically.
            logger.error("GraphQL resolver failed", exc_info=original)
            if not settings.DEBUG:
                formatted["message"] = _("Internal server error.")
            extensions["code"] = ApiErrorCode.INTERNAL_ERROR.value
        else:
            extensions["code"] = ApiErrorCode.INVALID.value
    formatted["extensions"] = extensions
    return formatted


def _no_view(request: HttpRequest) -> HttpResponse:
    """Stands in for a view that is not csrf_exempt, to run Django's CSRF check."""
    return HttpResponse()


class OmniportGraphQLView(GraphQLView):
    """graphene-django's view with coded errors, a depth limit and CSRF-safe mutations.

    /graphql/ is CSRF-exempt so API clients can POST; a mutation that relies on a
    browser session cookie must therefore come as ``application/json`` (which a
    cross-site form cannot send without a CORS preflight) or carry a CSRF token.
    """

    validation_rules = (*specified_rules, depth_limit_validator(max_depth=MAX_QUERY_DEPTH))

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        return format_error(error)

    def execute_graphql_request(self, request: HttpRequest, data: Any, query: Any,
                                variables: Any, operation_name: Any,
                                show_graphiql: bool = False) -> Any:
        if query and request.method == "POST" and getattr(request, "user", None) is not None \
                and request.user.is_authenticated and self._is_mutation(query, operation_name):
            self._check_session_mutation(request)
        return super().execute_graphql_request(request, data, query, variables, operation_name,
                                               show_graphiql)

    @staticmethod
    def _is_mutation(query: str, operation_name: str | None) -> bool:
        try:
            operation = get_operation_ast(parse(query), operation_name)
        except GraphQLError:
            return False  # reported as a syntax error by the normal flow
        return operation is not None and operation.operation == OperationType.MUTATION

    def _check_session_mutation(self, request: HttpRequest) -> None:
        if self.get_content_type(request) == "application/json":
            return
        from django.middleware.csrf import CsrfViewMiddleware

        reason = CsrfViewMiddleware(_no_view).process_view(request, _no_view, (), {})
        if reason is not None:
            raise HttpError(HttpResponse(status=403),
                            _("Mutations from a logged-in browser session must be sent as "
                              "application/json or carry a CSRF token."))
