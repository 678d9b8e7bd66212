"""The Zalo OA access token and its rotating refresh token, shared by all replicas.

Zalo's refresh tokens are single-use: refreshing returns a new pair and kills the old refresh
token. The pair lives in the ``channel_tokens`` row of channel ``zalo``, and its ``version`` is
a compare-and-swap lock with a parity convention:

- odd version: the row is stable and its refresh token unused;
- even version: one process has claimed the row (``odd -> odd+1``) and is calling Zalo; it
  writes the new pair with ``even -> even+1``, or releases the claim unchanged the same way.

Only the process whose claim succeeded calls Zalo, so no refresh token is ever used twice. A
claim older than :data:`LEASE_SECONDS` (its holder died) can be taken over (``even -> even+2``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from chatbot.db.engine import session_scope
from chatbot.db.models import ChannelToken
from connectors.config import ZaloConfig

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
LEASE_SECONDS = 60.0
REFRESH_MARGIN = timedelta(minutes=5)
SEEDED_ACCESS_TTL = timedelta(hours=1)
RETRY_COOLDOWN = 30.0  # seconds between refresh attempts after a failed one


class TokenUnavailable(RuntimeError):
    """No usable token: never seeded, or Zalo refused the refresh (re-authorise the OA)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class TokenState:
    access_token: str
    refresh_token: str
    expires_at: datetime
    version: int
    updated_at: datetime

    @property
    def claimed(self) -> bool:
        return self.version % 2 == 0

    def __repr__(self) -> str:  # no tokens in logs or tracebacks
        return f"TokenState(version={self.version}, expires_at={self.expires_at.isoformat()})"


class TokenStore:
    """Synchronous database access to one ``channel_tokens`` row."""

    def __init__(self, channel: str = CHANNEL) -> None:
        self.channel = channel

    def load(self) -> TokenState | None:
        with session_scope() as session:
            row = session.execute(
                select(ChannelToken).where(ChannelToken.channel == self.channel)
            ).scalar_one_or_none()
            if row is None:
                return None
            return TokenState(
                row.access_token, row.refresh_token, row.expires_at, row.version, row.updated_at
            )

    def seed(self, access_token: str, refresh_token: str, expires_at: datetime) -> None:
        """Insert the first pair; does nothing if another process inserted one already."""
        try:
            with session_scope() as session:
                session.add(
                    ChannelToken(
                        channel=self.channel,
                        access_token=access_token,
                        refresh_token=refresh_token,
                        expires_at=expires_at,
                        version=1,
                        updated_at=_now(),
                    )
                )
        except IntegrityError:
            pass

    def _swap(self, expected: int, **values: object) -> bool:
        """Apply ``values`` if the row is still at version ``expected`` (compare-and-swap)."""
        with session_scope() as session:
            result = session.execute(
                update(ChannelToken)
                .where(ChannelToken.channel == self.channel, ChannelToken.version == expected)
                .values(updated_at=_now(), **values)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def claim(self, version: int) -> bool:
        """Claim a stable row (odd ``version``) for refreshing."""
        return version % 2 == 1 and self._swap(version, version=version + 1)

    def take_over(self, version: int) -> bool:
        """Claim a row whose claim (even ``version``) was abandoned."""
        return version % 2 == 0 and self._swap(version, version=version + 2)

    def complete(
        self, claimed: int, access_token: str, refresh_token: str, expires_at: datetime
    ) -> bool:
        return self._swap(
            claimed,
            version=claimed + 1,
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=expires_at,
        )

    def release(self, claimed: int) -> bool:
        return self._swap(claimed, version=claimed + 1)


class ZaloTokenManager:
    """Hands out the current access token and refreshes it when told it is invalid or soon."""

    def __init__(
        self, config: ZaloConfig, client: httpx.AsyncClient, store: TokenStore | None = None
    ) -> None:
        self.config = config
        self.client = client
        self.store = store or TokenStore()
        self._state: TokenState | None = None
        self._lock = asyncio.Lock()
        self._refused_until = 0.0

    async def _load(self) -> TokenState | None:
        return await asyncio.to_thread(self.store.load)

    async def _load_or_seed(self) -> TokenState:
        state = await self._load()
        if state is None:
            if not self.config.refresh_token:
                raise TokenUnavailable("no Zalo token stored and ZALO_REFRESH_TOKEN is not set")
            access = self.config.access_token or ""
            expires = _now() + SEEDED_ACCESS_TTL if access else _now()
            await asyncio.to_thread(self.store.seed, access, self.config.refresh_token, expires)
            logger.info("zalo tokens seeded from the environment")
            state = await self._load()
        if state is None:
            raise TokenUnavailable("zalo token row could not be created")
        return state

    async def current(self) -> TokenState:
        """The token to use now, refreshed first if it expires within a few minutes."""
        if self._state is None:
            self._state = await self._load_or_seed()
        if self._state.claimed or self._state.expires_at - _now() < REFRESH_MARGIN:
            return await self.refresh(self._state)
        return self._state

    async def refresh(self, seen: TokenState, wait_seconds: float = 30.0) -> TokenState:
        """A token newer than ``seen``: another replica's fresh one, or one we refresh now."""
        async with self._lock:
            if asyncio.get_running_loop().time() < self._refused_until:
                raise TokenUnavailable("recent refresh failed; waiting before trying again")
            deadline = asyncio.get_running_loop().time() + wait_seconds
            while True:
                latest = await self._load()
                if latest is None:
                    latest = await self._load_or_seed()
                if not latest.claimed and latest.version != seen.version:
                    self._state = latest
                    return latest
                if not latest.claimed and await asyncio.to_thread(
                    self.store.claim, latest.version
                ):
                    return await self._refresh_claimed(latest, latest.version + 1)
                stale = (_now() - latest.updated_at).total_seconds() > LEASE_SECONDS
                if latest.claimed and stale and await asyncio.to_thread(
                    self.store.take_over, latest.version
                ):
                    logger.warning("zalo token refresh: taking over an abandoned claim")
                    return await self._refresh_claimed(latest, latest.version + 2)
                if asyncio.get_running_loop().time() > deadline:
                    raise TokenUnavailable("timed out waiting for another replica's refresh")
                await asyncio.sleep(0.2)

    async def _refresh_claimed(self, state: TokenState, claimed: int) -> TokenState:
        try:
            access, refresh, expires_in = await self._call_oauth(state.refresh_token)
        except BaseException:
            await asyncio.to_thread(self.store.release, claimed)
            self._state = None
            self._refused_until = asyncio.get_running_loop().time() + RETRY_COOLDOWN
            raise
        expires_at = _now() + timedelta(seconds=expires_in)
        if not await asyncio.to_thread(self.store.complete, claimed, access, refresh, expires_at):
            logger.error("zalo token refresh: claim lost before the new tokens were stored")
            raise TokenUnavailable("claim lost during refresh")
        logger.info("zalo access token refreshed")
        self._state = TokenState(access, refresh, expires_at, claimed + 1, _now())
        return self._state

    async def _call_oauth(self, refresh_token: str) -> tuple[str, str, int]:
        url = f"{self.config.oauth_base_url}/v4/oa/access_token"
        try:
            reply = await self.client.post(
                url,
                headers={"secret_key": self.config.app_secret},
                data={
                    "refresh_token": refresh_token,
                    "app_id": self.config.app_id,
                    "grant_type": "refresh_token",
                },
            )
            data = reply.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.error("zalo token refresh failed (%s)", type(exc).__name__)
            raise TokenUnavailable("token endpoint unreachable") from None
        if not isinstance(data, dict) or not data.get("access_token") or not data.get(
            "refresh_token"
        ):
            code = data.get("error") if isinstance(data, dict) else None
            logger.error(
                "zalo token refresh rejected (HTTP %s, error %s): re-authorise the OA",
                reply.status_code,
                code,
            )
            raise TokenUnavailable("refresh token rejected")
        try:
            expires_in = int(data.get("expires_in") or 3600)
        except (TypeError, ValueError):
            expires_in = 3600
        return str(data["access_token"]), str(data["refresh_token"]), expires_in
