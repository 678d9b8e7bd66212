"""``chatbot train``, ``chatbot serve`` and ``chatbot demo``: the assistant's processes."""

from __future__ import annotations

import sys

import typer

from chatbot import runner
from chatbot.settings import get_settings


def _train(force: bool = False):  # noqa: ANN202 - returns a Path
    from chatbot.training import train

    path = train(force=force)
    typer.echo(f"Model: {path}")
    return path


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train_command(force: bool = typer.Option(False, help="Train even if the model is current.")) -> None:
        """Train the model if its config, domain or data changed."""
        _train(force)

    @app.command("actions")
    def actions_command(
        port: int = typer.Option(runner.ACTIONS_PORT, "--port", "-p", help="Action server port."),
        host: str = typer.Option(
            None, help="Address to listen on (default: ACTION_SERVER_HOST, which defaults to 127.0.0.1)."
        ),
    ) -> None:
        """Run the action server (loopback only unless ACTION_SERVER_HOST says otherwise)."""
        import actions
        from chatbot.action_server import serve

        serve(actions, port=port, host=host)

    @app.command("serve")
    def serve_command(
        rasa_port: int = typer.Option(runner.RASA_PORT, help="Rasa server port."),
        actions_port: int = typer.Option(runner.ACTIONS_PORT, help="Action server port."),
        interface: str = typer.Option("127.0.0.1", help="Address the Rasa server listens on."),
        web_port: int = typer.Option(None, help="Web app port (default WEB_PORT, 8000; 0: no web app)."),
    ) -> None:
        """Run the action server, the Rasa server and the web app in the foreground until Ctrl-C."""
        from chatbot.db.migrate import upgrade_database

        upgrade_database()
        model = _train()
        servers = runner.start_servers(
            model, rasa_port=rasa_port, actions_port=actions_port, interface=interface, web_port=web_port
        )
        sys.exit(runner.run_until_stopped(servers))

    @app.command("demo")
    def demo_command(
        rasa_port: int = typer.Option(runner.RASA_PORT, help="Rasa server port."),
        actions_port: int = typer.Option(runner.ACTIONS_PORT, help="Action server port."),
        web_port: int = typer.Option(None, help="Web app port (default WEB_PORT, 8000; 0: no web app)."),
    ) -> None:
        """Load the demo school, start the servers and the web app, and chat with the assistant here."""
        from chatbot.db.migrate import upgrade_database
        from chatbot.terminal_chat import chat

        upgrade_database()
        _load_demo_school()
        model = _train()
        log_dir = get_settings().data_dir / "logs"
        settings = get_settings()
        web_port = settings.web_port if web_port is None else web_port
        servers = runner.start_servers(
            model, rasa_port=rasa_port, actions_port=actions_port, log_dir=log_dir, web_port=web_port
        )
        try:
            typer.echo(f"Đang khởi động trợ lý (nhật ký máy chủ: {log_dir})…")
            runner.wait_until_ready(
                servers, rasa_port=rasa_port, actions_port=actions_port, web_port=web_port
            )
            if web_port:
                typer.echo(f"Trang quản lý đang chạy: {web_url(web_port)} (tài khoản thử ở trên).")
            chat(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook")
        except KeyboardInterrupt:
            pass
        finally:
            servers.stop()


def web_url(port: int) -> str:
    settings = get_settings()
    if settings.web_port == port:
        return settings.web_public_url
    return f"http://127.0.0.1:{port}"


def _load_demo_school() -> None:
    from cli.demo import load_and_print_demo

    load_and_print_demo()
