"""Where the TradingView token comes from; sign-in runs against an httpx MockTransport."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from adapters.tradingview.auth import (
    SIGNIN_URL,
    TradingViewAuth,
    clear_token_cache,
    token_expiry,
)
from config.settings import Settings
from domain.errors import AuthenticationRejected, FeedUnavailable
from domain.signin import SignInPolicy

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    clear_token_cache()
    yield
    clear_token_cache()


class FakeSignin:
    """TradingView's sign-in endpoint: one good password, everything else refused."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("password") == PASSWORD:
            return httpx.Response(200, json={"user": {"username": "quant", "auth_token": "jwt.1"}})
        return httpx.Response(
            200, json={"error": "Invalid username or password", "code": "invalid_credentials"}
        )

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


async def test_explicit_token_wins() -> None:
    auth = TradingViewAuth(token="abc.def", username="quant", password=PASSWORD)

    assert auth.mode == "token"
    assert await auth.token() == "abc.def"


async def test_anonymous_without_credentials() -> None:
    auth = TradingViewAuth.from_settings(Settings(_env_file=None))

    assert auth.mode == "anonymous"
    assert await auth.token() == "unauthorized_user_token"


async def test_signin_posts_the_form_and_caches_the_token() -> None:
    server = FakeSignin()
    auth = TradingViewAuth(username="quant", password=PASSWORD, transport=server.transport)

    assert await auth.token() == "jwt.1"
    assert await auth.token() == "jwt.1"
    again = TradingViewAuth(username="quant", password=PASSWORD, transport=server.transport)
    assert await again.token() == "jwt.1"

    (request,) = server.requests  # cached for the process
    assert str(request.url) == SIGNIN_URL
    assert request.method == "POST"
    form = parse_qs(request.content.decode())
    assert form == {"username": ["quant"], "password": [PASSWORD], "remember": ["on"]}
    assert request.headers["Origin"] == "https://www.tradingview.com"
    assert request.headers["Referer"].startswith("https://www.tradingview.com")


async def test_forget_signs_in_again_but_not_at_once() -> None:
    server = FakeSignin()
    now = [1_000.0]
    auth = TradingViewAuth(
        username="quant", password=PASSWORD, transport=server.transport, clock=lambda: now[0]
    )
    await auth.token()

    now[0] += SignInPolicy().backoff + 1  # rejected long after it was issued
    auth.forget()
    await auth.token()
    assert len(server.requests) == 2
    assert auth.can_refresh

    now[0] += 10  # the new token rejected at once: another sign-in would not help
    auth.forget()
    with pytest.raises(AuthenticationRejected, match="rejected a token issued 10s ago") as caught:
        await auth.token()
    assert len(server.requests) == 2
    assert caught.value.retry_after == pytest.approx(SignInPolicy().backoff)


async def test_failed_signin_names_the_user_but_not_the_password() -> None:
    server = FakeSignin()
    auth = TradingViewAuth(username="quant", password="wrong secret", transport=server.transport)

    with pytest.raises(AuthenticationRejected) as caught:
        await auth.token()

    text = str(caught.value)
    assert "quant" in text and "Invalid username or password" in text
    assert "wrong secret" not in text and "wrong secret" not in repr(auth)


async def test_settings_supply_the_credentials() -> None:
    server = FakeSignin()
    settings = Settings(_env_file=None, tradingview_username="quant", tradingview_password=PASSWORD)
    auth = TradingViewAuth.from_settings(settings, transport=server.transport)

    assert auth.mode == "signin"
    assert await auth.token() == "jwt.1"


async def test_username_without_password_is_rejected() -> None:
    auth = TradingViewAuth(username="quant")

    with pytest.raises(AuthenticationRejected, match="PQ_TRADINGVIEW_PASSWORD"):
        await auth.token()


async def test_signin_unreachable_or_throttled_is_feed_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    unreachable = TradingViewAuth(
        username="quant", password=PASSWORD, transport=httpx.MockTransport(refuse)
    )
    throttled = TradingViewAuth(
        username="quant",
        password=PASSWORD,
        transport=httpx.MockTransport(lambda _: httpx.Response(429, text="slow down")),
    )

    with pytest.raises(FeedUnavailable):
        await unreachable.token()
    with pytest.raises(FeedUnavailable, match=r"not signing in .* for another 300s"):
        await throttled.token()  # the same account: the failure's back-off holds
    clear_token_cache()
    with pytest.raises(FeedUnavailable, match="429"):
        await throttled.token()


async def test_non_json_reply_is_rejected_sign_in() -> None:
    auth = TradingViewAuth(
        username="quant",
        password=PASSWORD,
        transport=httpx.MockTransport(lambda _: httpx.Response(403, text="<html>captcha</html>")),
    )

    with pytest.raises(AuthenticationRejected, match="HTTP 403"):
        await auth.token()


def _jwt(claims: dict[str, object]) -> str:
    import base64
    import json

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS512'})}.{part(claims)}.c2ln"


def test_a_tokens_expiry_is_its_exp_claim_else_the_default_life() -> None:
    assert token_expiry(_jwt({"exp": 5000}), 1000.0, 3600.0) == 5000.0
    assert token_expiry(_jwt({"user": "quant"}), 1000.0, 3600.0) == 4600.0
    assert token_expiry("not-a-jwt", 1000.0, 3600.0) == 4600.0
    assert token_expiry("a.%%%.c", 1000.0, 3600.0) == 4600.0


async def test_the_token_is_refreshed_shortly_before_its_exp() -> None:
    now = [1000.0]
    issued = iter([_jwt({"exp": 2000}), _jwt({"exp": 9000})])

    def signin(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"user": {"auth_token": next(issued)}})

    auth = TradingViewAuth(
        username="quant", password=PASSWORD, transport=httpx.MockTransport(signin),
        clock=lambda: now[0],
    )  # fmt: skip
    first = await auth.token()
    now[0] = 1899.0  # a tenth of its life (100 s) before it expires: still used
    assert await auth.token() == first
    now[0] = 1901.0
    assert await auth.token() != first


async def test_a_failed_refresh_keeps_the_old_token_while_it_is_valid() -> None:
    now = [1000.0]
    replies = iter(
        [
            httpx.Response(200, json={"user": {"auth_token": _jwt({"exp": 2000})}}),
            httpx.Response(429, text="slow down"),
        ]
    )
    auth = TradingViewAuth(
        username="quant", password=PASSWORD,
        transport=httpx.MockTransport(lambda _: next(replies)), clock=lambda: now[0],
    )  # fmt: skip
    first = await auth.token()
    now[0] = 1950.0  # due for a refresh, which TradingView throttles

    assert await auth.token() == first
    assert await auth.token() == first  # backing off: no second attempt
    now[0] = 2000.0
    with pytest.raises(FeedUnavailable, match="not signing in"):
        await auth.token()
