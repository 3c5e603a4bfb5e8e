"""Where the TradingView auth token comes from.

In order: ``PQ_TRADINGVIEW_TOKEN`` as given; else a sign-in with
``PQ_TRADINGVIEW_USERNAME``/``PQ_TRADINGVIEW_PASSWORD`` (the token is cached for the
process); else the anonymous ``unauthorized_user_token`` (delayed data for some exchanges,
about 5,000 bars per series). Neither the password nor a token is ever logged or put in an
error message.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import SecretStr

from adapters.tradingview.connection import BROWSER_USER_AGENT
from adapters.tradingview.messages import ANONYMOUS_TOKEN
from config.settings import Settings
from domain.errors import AuthenticationRejected, FeedUnavailable

logger = logging.getLogger(__name__)

SIGNIN_URL = "https://www.tradingview.com/accounts/signin/"
_SITE = "https://www.tradingview.com"

# Signed-in tokens for this process, by (sign-in URL, username).
_signed_in_tokens: dict[tuple[str, str], str] = {}


def clear_token_cache() -> None:
    _signed_in_tokens.clear()


class TradingViewAuth:
    """Supplies the token sent in ``set_auth_token``."""

    def __init__(
        self,
        *,
        token: SecretStr | str | None = None,
        username: str | None = None,
        password: SecretStr | str | None = None,
        signin_url: str = SIGNIN_URL,
        timeout: float = 20.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = _secret(token)
        self.username = username or None
        self._password = _secret(password)
        self._signin_url = signin_url
        self._timeout = timeout
        self._transport = transport

    @classmethod
    def from_settings(
        cls, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> TradingViewAuth:
        return cls(
            token=settings.tradingview_token,
            username=settings.tradingview_username,
            password=settings.tradingview_password,
            timeout=settings.tradingview_timeout,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"TradingViewAuth(mode={self.mode!r}, username={self.username!r})"

    @property
    def mode(self) -> str:
        """``token``, ``signin`` or ``anonymous``."""
        if self._token is not None:
            return "token"
        if self.username is not None:
            return "signin"
        return "anonymous"

    @property
    def can_refresh(self) -> bool:
        """A rejected token can be replaced by signing in again."""
        return self.mode == "signin"

    async def token(self) -> str:
        if self._token is not None:
            return self._token.get_secret_value()
        if self.username is None:
            return ANONYMOUS_TOKEN
        key = (self._signin_url, self.username)
        cached = _signed_in_tokens.get(key)
        if cached is None:
            cached = await self._sign_in(self.username)
            _signed_in_tokens[key] = cached
        return cached

    def forget(self) -> None:
        """Drop the cached signed-in token (after TradingView rejected it)."""
        if self.username is not None:
            _signed_in_tokens.pop((self._signin_url, self.username), None)

    async def _sign_in(self, username: str) -> str:
        if self._password is None:
            raise AuthenticationRejected(
                f"TradingView user {username!r} has no password configured "
                "(set PQ_TRADINGVIEW_PASSWORD, or PQ_TRADINGVIEW_TOKEN instead)"
            )
        form = {
            "username": username,
            "password": self._password.get_secret_value(),
            "remember": "on",
        }
        headers = {
            "Referer": _SITE + "/",
            "Origin": _SITE,
            "User-Agent": BROWSER_USER_AGENT,
            "Accept": "application/json",
        }
        logger.info("signing in to TradingView as %s", username)
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout, follow_redirects=False
            ) as client:
                response = await client.post(self._signin_url, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise FeedUnavailable(
                f"could not reach TradingView to sign in as {username!r}: {type(exc).__name__}"
            ) from None
        return _token_from_reply(username, response)


def _secret(value: SecretStr | str | None) -> SecretStr | None:
    if value is None:
        return None
    secret = value if isinstance(value, SecretStr) else SecretStr(value)
    return secret if secret.get_secret_value() else None


def _token_from_reply(username: str, response: httpx.Response) -> str:
    status = response.status_code
    if status == 429 or status >= 500:
        raise FeedUnavailable(f"TradingView sign-in for {username!r} failed with HTTP {status}")
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    user = body.get("user") if isinstance(body, dict) else None
    token = user.get("auth_token") if isinstance(user, dict) else None
    if isinstance(token, str) and token:
        return token
    reason = body.get("error") or body.get("code") if isinstance(body, dict) else None
    detail = str(reason) if reason else f"HTTP {status}, no auth token in the reply"
    raise AuthenticationRejected(f"TradingView sign-in failed for user {username!r}: {detail}")
