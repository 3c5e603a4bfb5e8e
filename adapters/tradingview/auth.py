"""Where the TradingView auth token comes from.

In order: ``PQ_TRADINGVIEW_TOKEN`` as given; else a sign-in with
``PQ_TRADINGVIEW_USERNAME``/``PQ_TRADINGVIEW_PASSWORD``; else the anonymous
``unauthorized_user_token`` (delayed data for some exchanges, about 5,000 bars per series).

A signed-in token is the deployment's, not the process's: it is kept in a ``TokenStore``
(Redis, or a file of the data dir) with its expiry (the JWT's ``exp`` claim, else
``SignInPolicy.default_lifetime``) and every caller uses it until shortly before it expires.
Then one caller signs in under the store's lock while the others keep using the old token
or wait for the new one. A failed sign-in, or a token TradingView rejects soon after it was
issued, starts a shared back-off of minutes during which nobody signs in (the callers get
the error with ``retry_after``). Neither the password nor a token is ever logged or put in
an error message.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from pydantic import SecretStr

from adapters.guardrails.token_store import MemoryTokenStore, TokenStore, account_key
from adapters.tradingview.connection import BROWSER_USER_AGENT, retry_after_seconds
from adapters.tradingview.messages import ANONYMOUS_TOKEN
from config.settings import TRADINGVIEW_SIGNIN_URL, Settings
from domain.errors import AuthenticationRejected, DomainError, FeedRefused, FeedUnavailable
from domain.signin import (
    SignedInToken,
    SignInPolicy,
    after_failure,
    refresh_margin,
    rejected_too_soon,
)

logger = logging.getLogger(__name__)

SIGNIN_URL = TRADINGVIEW_SIGNIN_URL
_SITE = "https://www.tradingview.com"
WAIT_POLL_S = 0.1
"""How often a caller waiting for another's sign-in looks for the new token."""

# Stores of auths built without one, by account: shared by the process.
_process_stores: dict[str, MemoryTokenStore] = {}


def clear_token_cache() -> None:
    """Forget every token and back-off kept for the process (tests)."""
    for store in _process_stores.values():
        store.clear()


def _process_store(account: str) -> MemoryTokenStore:
    return _process_stores.setdefault(account, MemoryTokenStore())


def signin_policy(settings: Settings) -> SignInPolicy:
    return SignInPolicy(
        backoff=settings.tradingview_signin_backoff,
        backoff_cap=settings.tradingview_signin_backoff_cap,
        default_lifetime=settings.tradingview_token_lifetime,
    )


def token_expiry(token: str, issued_at: float, default_lifetime: float) -> float:
    """The ``exp`` claim of a JWT-shaped token, else ``issued_at + default_lifetime``."""
    parts = token.split(".")
    if len(parts) == 3:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        try:
            claims: Any = orjson.loads(base64.urlsafe_b64decode(payload))
        except (binascii.Error, ValueError):
            claims = None
        expiry = claims.get("exp") if isinstance(claims, dict) else None
        if isinstance(expiry, int | float) and expiry > issued_at:
            return float(expiry)
    return issued_at + default_lifetime


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
        store: TokenStore | None = None,
        policy: SignInPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``store``: where the signed-in token is shared (default: this process only)."""
        self._token = _secret(token)
        self.username = username or None
        self._password = _secret(password)
        self._signin_url = signin_url
        self._timeout = timeout
        self._transport = transport
        self.policy = policy or SignInPolicy()
        self._clock = clock
        self.account = account_key(signin_url, self.username or "")
        self.store: TokenStore = store if store is not None else _process_store(self.account)
        self._last_token: str | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        store: Callable[[str], TokenStore] | None = None,
    ) -> TradingViewAuth:
        """``store``: makes the token store of an account (from ``account_key``)."""
        signin_url = settings.tradingview_signin_url
        username = settings.tradingview_username or ""
        return cls(
            token=settings.tradingview_token,
            username=settings.tradingview_username,
            password=settings.tradingview_password,
            signin_url=signin_url,
            timeout=settings.tradingview_timeout,
            transport=transport,
            store=store(account_key(signin_url, username)) if store is not None else None,
            policy=signin_policy(settings),
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
        token = await self._shared_token(self.username)
        self._last_token = token
        return token

    async def _shared_token(self, username: str) -> str:
        store = self.store
        held = store.read()
        if held is not None and self._fresh(held):
            return held.token
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout + WAIT_POLL_S
        while True:
            kept = self._while_backing_off(held)
            if kept is not None:
                return kept
            lock = store.try_lock(self._timeout + 5.0)
            if lock is not None:
                try:
                    held = store.read()
                    if held is not None and self._fresh(held):
                        return held.token  # another caller signed in meanwhile
                    kept = self._while_backing_off(held)
                    if kept is not None:
                        return kept
                    try:
                        return await self._sign_in_and_keep(username)
                    except DomainError:
                        if held is not None and held.valid(self._clock()):
                            return held.token  # the refresh failed; the old one still works
                        raise
                finally:
                    lock.release()
            if held is not None and held.valid(self._clock()):
                return held.token  # another caller is refreshing it: the old one still works
            if loop.time() > deadline:
                raise FeedUnavailable(
                    f"another process has been signing in to TradingView as {username!r} "
                    f"for over {self._timeout:g}s"
                )
            await asyncio.sleep(WAIT_POLL_S)
            held = store.read()
            if held is not None and held.valid(self._clock()):
                return held.token

    def _fresh(self, held: SignedInToken) -> bool:
        return held.usable(self._clock(), refresh_margin(held.expires_at - held.issued_at))

    def _while_backing_off(self, held: SignedInToken | None) -> str | None:
        """While sign-ins back off: the kept token as long as it is valid (a refresh that
        failed leaves it in use), else the back-off's error. ``None``: no back-off."""
        backoff = self.store.backoff()
        now = self._clock()
        if backoff is None or not backoff.active(now):
            return None
        if held is not None and held.valid(now):
            return held.token
        wait = backoff.until - now
        message = (
            f"not signing in to TradingView as {self.username!r} for another {wait:.0f}s "
            f"after {backoff.failures} failed attempt(s): {backoff.reason}"
        )
        error: DomainError
        if backoff.kind == "refused":
            error = AuthenticationRejected(message)
        elif backoff.kind == "throttled":
            error = FeedRefused(message)
        else:
            error = FeedUnavailable(message)
        error.retry_after = wait
        raise error

    async def _sign_in_and_keep(self, username: str) -> str:
        try:
            token = await self._sign_in(username)
        except AuthenticationRejected as error:
            raise self._backing_off(error, "refused") from None
        except FeedRefused as error:
            raise self._backing_off(error, "throttled") from None
        except FeedUnavailable as error:
            raise self._backing_off(error, "unreachable") from None
        now = self._clock()
        self.store.write(
            SignedInToken(
                token=token,
                issued_at=now,
                expires_at=token_expiry(token, now, self.policy.default_lifetime),
            )
        )
        self.store.set_backoff(None)
        return token

    def _backing_off(self, error: DomainError, kind: str) -> DomainError:
        backoff = after_failure(
            self.store.backoff(), self.policy, self._clock(), error.message, kind=kind
        )
        self.store.set_backoff(backoff)
        logger.error(
            "TradingView sign-in failed (%s); nobody signs in for %.0fs",
            error.message,
            backoff.until - self._clock(),
        )
        error.retry_after = backoff.until - self._clock()
        return error

    def forget(self) -> None:
        """TradingView rejected the token this auth gave last: drop it from the store, so
        the next caller signs in again; unless it was issued so recently that signing in
        again would only burn another sign-in, which starts the back-off instead."""
        token = self._last_token
        if self.username is None or token is None:
            return
        held = self.store.read()
        self.store.discard(token)
        now = self._clock()
        if held is not None and held.token == token and rejected_too_soon(held, self.policy, now):
            reason = f"TradingView rejected a token issued {now - held.issued_at:.0f}s ago"
            self.store.set_backoff(
                after_failure(self.store.backoff(), self.policy, now, reason, kind="refused")
            )

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
        raise FeedRefused(
            f"TradingView sign-in for {username!r} failed with HTTP {status}",
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
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
