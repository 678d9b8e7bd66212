"""The action server: rasa_sdk's app, bound to loopback, behind a shared secret, quiet on errors.

``rasa run actions`` (rasa-sdk 3.6) listens on every interface (it reads only ``SANIC_HOST``),
accepts any caller, and answers an action's exception with the whole request, i.e. the
tracker with names and meeting passwords, which Rasa then writes into its error log. This
module runs the same app (``rasa_sdk.endpoint.create_app``) with three changes:

- it listens on ``ACTION_SERVER_HOST`` (default ``127.0.0.1``);
- with ``ACTION_SERVER_TOKEN`` set, every request but ``GET /health`` must carry it in the
  ``X-Action-Token`` header (Rasa sends it from the ``headers`` of its ``action_endpoint``);
  production (``CHATBOT_ENV=production``) refuses to start without a token;
- an unexpected exception is answered with a bare 500 and logged by type and code location.

``chatbot`` does not import ``actions``: the caller (``chatbot actions`` in ``cli``) imports the
action package and passes it in.
"""

from __future__ import annotations

import hmac
import logging
from types import ModuleType
from typing import Any

from chatbot.logs import code_locations
from chatbot.settings import Settings, SettingsError, get_settings

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
OPEN_PATHS = frozenset({"/health"})
DEFAULT_PORT = 5055


def _authorised(settings: Settings, supplied: str | None) -> bool:
    expected = settings.action_server_token
    if not expected:
        return True
    return supplied is not None and hmac.compare_digest(supplied.encode(), expected.encode())


def create_app(action_package: ModuleType, settings: Settings | None = None) -> Any:
    """rasa_sdk's Sanic app for the actions in ``action_package`` with the checks described above."""
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response

    settings = settings or get_settings()
    app = sdk_app(action_package, cors_origins=None)

    @app.middleware("request")
    async def require_token(request: Any) -> Any:
        if request.path in OPEN_PATHS or _authorised(settings, request.headers.get(TOKEN_HEADER)):
            return None
        return response.json({"error": "unauthorised"}, status=401)

    app.error_handler.add(Exception, _quiet_error_handler)
    return app


async def _quiet_error_handler(request: Any, exception: Exception) -> Any:
    """Replaces rasa_sdk's handler, which sends the request (the tracker) back to Rasa."""
    from sanic import response
    from sanic.exceptions import SanicException

    if isinstance(exception, SanicException):  # 404, 405, a body that is not JSON, …
        status = getattr(exception, "status_code", 500)
        return response.json({"error": type(exception).__name__}, status=status)
    logger.error("action server: %s at %s", type(exception).__name__, code_locations(exception))
    return response.json({"error": "internal error"}, status=500)


def check_can_start(settings: Settings) -> None:
    """Raise :class:`SettingsError` when this configuration must not serve."""
    if settings.production and not settings.action_server_token:
        raise SettingsError(
            "ACTION_SERVER_TOKEN must be set when CHATBOT_ENV=production (the same value in the "
            "Rasa server's environment); see docs/deployment.md"
        )


def serve(action_package: ModuleType, port: int = DEFAULT_PORT, host: str | None = None) -> None:
    """Run the action server for ``action_package`` in the foreground (``chatbot actions``)."""
    from rasa_sdk import utils

    settings = get_settings()
    check_can_start(settings)
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    app = create_app(action_package, settings)
    host = host or settings.action_server_host
    logger.info("Action server on http://%s:%d (token %s)", host, port,
                "required" if settings.action_server_token else "not set")
    app.run(host, port, workers=utils.number_of_sanic_workers(), access_log=False)
