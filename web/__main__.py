"""``python -m web [--host H] [--port P]``: serve the staff web app with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from chatbot.settings import get_settings


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m web", description="Lớp học An toàn: trang quản lý.")
    parser.add_argument("--host", default=settings.web_host)
    parser.add_argument("--port", type=int, default=settings.web_port)
    args = parser.parse_args()
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        forwarded_allow_ips=settings.web_forwarded_allow_ips,  # the proxy that sets X-Forwarded-For
        server_header=False,
        access_log=False,  # paths may carry a one-time sign-in token
        ws="none",  # Rasa pins an old websockets; the app needs none
        log_level="warning",
    )


if __name__ == "__main__":
    main()
