/* PocketQuant's live chart: stored bars from GET market-data/ohlcv, the bar in progress from
 * the stream (channel bars:EXCHANGE:SYMBOL:INTERVAL). Served inline by GET /chart; every URL
 * is relative to the page, so it works under an API Gateway stage prefix too. */
"use strict";

(() => {
  const KEY_STORAGE = "pocketquant.apiKey";
  const PING_EVERY_MS = 4 * 60 * 1000; // API Gateway closes a connection idle for 10 minutes
  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 30 * 1000;
  const UP = "#089981";
  const DOWN = "#f23645";

  const root = document.getElementById("chart-page");
  const statusLine = document.getElementById("status");
  const messageLine = document.getElementById("message");
  const picker = document.getElementById("picker");
  const keyForm = document.getElementById("key-form");
  const syncOffer = document.getElementById("sync-offer");
  const syncButton = document.getElementById("sync-button");
  const limit = Number(root.dataset.limit);

  const LC = window.LightweightCharts;
  const chart = LC.createChart(document.getElementById("chart"), {
    autoSize: true,
    // The attribution (TradingView's notice and link) is in the page's footer: the logo
    // would add a <style> element that the page's Content-Security-Policy refuses.
    layout: { attributionLogo: false, background: { color: "#ffffff" }, textColor: "#131722" },
    grid: { vertLines: { color: "#f0f3fa" }, horzLines: { color: "#f0f3fa" } },
    rightPriceScale: { scaleMargins: { top: 0.08, bottom: 0.28 } },
    timeScale: { secondsVisible: false },
  });
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: UP, downColor: DOWN, borderVisible: false, wickUpColor: UP, wickDownColor: DOWN,
  });
  const volumes = chart.addSeries(LC.HistogramSeries, {
    priceScaleId: "volume", priceFormat: { type: "volume" },
    lastValueVisible: false, priceLineVisible: false,
  });
  chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.78, bottom: 0 } });

  const view = {
    symbol: root.dataset.symbol,
    interval: root.dataset.interval,
    bars: [], // {time, open, high, low, close, volume}, oldest first, as drawn
    loaded: false,
    pending: [], // live bars that arrived while the stored ones were loading
    generation: 0, // the load in flight; an answer to an older one is dropped
  };
  const live = {
    socket: null,
    state: "connecting", // connecting | live | unavailable
    seq: new Map(), // channel -> the last sequence number received
    retryMs: RETRY_FIRST_MS,
    retryTimer: null,
    pingTimer: null,
  };

  class NeedsKey extends Error {}
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // ---- the API key: asked for once, kept in this browser

  const storedKey = () => window.localStorage.getItem(KEY_STORAGE);

  function askForKey(refused) {
    if (refused) window.localStorage.removeItem(KEY_STORAGE);
    keyForm.hidden = false;
    keyForm.elements.key.focus();
    showMessage(refused
      ? "The API refused the stored key: enter it again."
      : "This API needs a key: enter it once, this browser keeps it.");
  }

  keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = keyForm.elements.key.value.trim();
    if (!key) return;
    window.localStorage.setItem(KEY_STORAGE, key);
    keyForm.reset();
    keyForm.hidden = true;
    load();
    reconnect(); // the stream checks the key when it connects
  });

  // ---- REST

  async function api(path, init = {}) {
    const headers = new Headers(init.headers || {});
    const key = storedKey();
    if (key) headers.set("x-api-key", key);
    const response = await fetch(new URL(path, document.baseURI), { ...init, headers });
    if (response.status === 403) throw new NeedsKey();
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (body && body.error) || {};
      throw new ApiError(response.status, error.code, error.message || `HTTP ${response.status}`);
    }
    return body;
  }

  function parseSymbol(text) {
    const at = text.indexOf(":");
    if (at <= 0 || at === text.length - 1) return null;
    return { exchange: text.slice(0, at), ticker: text.slice(at + 1) };
  }

  function seriesPath(parsed) {
    const exchange = encodeURIComponent(parsed.exchange);
    const ticker = encodeURIComponent(parsed.ticker);
    const query = new URLSearchParams({ interval: view.interval, limit: String(limit) });
    return `market-data/ohlcv/${exchange}/${ticker}?${query}`;
  }

  function showTimesOfDay() {
    const option = picker.elements.interval.selectedOptions[0];
    chart.timeScale().applyOptions({ timeVisible: Boolean(option && "intraday" in option.dataset) });
  }

  async function load() {
    const generation = ++view.generation;
    showTimesOfDay();
    view.loaded = false;
    delete root.dataset.barCount;
    showMessage("");
    syncOffer.hidden = true;
    showStatus();
    const parsed = parseSymbol(view.symbol);
    if (!parsed) {
      draw([]);
      showMessage("Write the symbol as EXCHANGE:SYMBOL, e.g. NASDAQ:AAPL.");
      return;
    }
    try {
      const body = await api(seriesPath(parsed));
      if (generation === view.generation) draw(body.data.map(fromApi));
    } catch (error) {
      if (generation === view.generation) failed(error, parsed);
    }
  }

  function failed(error, parsed) {
    draw([]);
    if (error instanceof NeedsKey) {
      askForKey(storedKey() !== null);
    } else if (error instanceof ApiError) {
      showMessage(error.message);
      if (error.status === 404) offerSync(parsed);
    } else {
      showMessage(`The API cannot be reached: ${error.message}`);
    }
  }

  function offerSync(parsed) {
    syncButton.textContent = `Sync ${view.symbol} ${view.interval} now`;
    syncOffer.hidden = false;
    syncButton.onclick = async () => {
      syncButton.disabled = true;
      showMessage(`Syncing ${view.symbol} ${view.interval}…`);
      try {
        await api("market-data/sync", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            exchange: parsed.exchange, symbol: parsed.ticker, interval: view.interval,
          }),
        });
        await load();
      } catch (error) {
        failed(error, parsed);
      } finally {
        syncButton.disabled = false;
      }
    };
  }

  // ---- drawing

  function fromApi(bar) {
    return {
      time: Date.parse(bar.datetime) / 1000,
      open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume,
    };
  }

  const candle = (bar) => ({
    time: bar.time, open: bar.open, high: bar.high, low: bar.low, close: bar.close,
  });
  const volumeBar = (bar) => ({
    time: bar.time, value: bar.volume || 0, color: bar.close >= bar.open ? `${UP}66` : `${DOWN}66`,
  });

  function draw(bars) {
    view.bars = bars;
    candles.setData(bars.map(candle));
    volumes.setData(bars.map(volumeBar));
    chart.timeScale().fitContent();
    view.loaded = true;
    const pending = view.pending;
    view.pending = [];
    pending.forEach(applyLive);
    drawn();
  }

  /** A bar from the stream: the bar in progress, or one just completed. */
  function applyLive(bar) {
    if (!view.loaded) {
      view.pending.push(bar);
      return;
    }
    const bars = view.bars;
    const last = bars[bars.length - 1];
    if (last && bar.time < last.time) return; // older than what is drawn
    let shown = bar;
    if (last && bar.time === last.time) {
      // The stored bar began before the stream saw its first tick: keep its open and range.
      shown = {
        time: bar.time,
        open: last.open,
        high: Math.max(last.high, bar.high),
        low: Math.min(last.low, bar.low),
        close: bar.close,
        volume: Math.max(last.volume || 0, bar.volume || 0),
      };
      bars[bars.length - 1] = shown;
    } else {
      bars.push(shown);
    }
    candles.update(candle(shown));
    volumes.update(volumeBar(shown));
    drawn();
  }

  function drawn() {
    const last = view.bars[view.bars.length - 1];
    root.dataset.barCount = String(view.bars.length);
    if (last) {
      root.dataset.lastTime = new Date(last.time * 1000).toISOString();
      root.dataset.lastClose = String(last.close);
    } else {
      delete root.dataset.lastTime;
      delete root.dataset.lastClose;
    }
    showStatus();
  }

  // ---- status

  const LIVE_TEXT = {
    connecting: "connecting to the live feed…",
    live: "live",
    unavailable: "live feed unavailable (retrying)",
  };

  function showStatus() {
    const bars = view.loaded ? `${view.bars.length} bars` : "loading bars…";
    statusLine.textContent = `${view.symbol} · ${view.interval} · ${bars} · ${LIVE_TEXT[live.state]}`;
    document.title = `${view.symbol} ${view.interval} · PocketQuant`;
  }

  function showMessage(text) {
    messageLine.textContent = text;
    messageLine.hidden = !text;
  }

  function setLive(state) {
    live.state = state;
    root.dataset.live = state;
    showStatus();
  }

  // ---- the stream

  const channel = () => `bars:${view.symbol}:${view.interval}`;

  function streamUrl() {
    const configured = root.dataset.streamUrl;
    const url = new URL(configured || "stream", document.baseURI);
    if (!configured) url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const key = storedKey();
    if (key) url.searchParams.set("key", key); // a browser cannot set x-api-key on a websocket
    return url;
  }

  function send(message) {
    if (live.socket && live.socket.readyState === WebSocket.OPEN) {
      live.socket.send(JSON.stringify(message));
    }
  }

  function subscribe(name) {
    const message = { action: "subscribe", channels: [name] };
    if (live.seq.has(name)) message.since = { [name]: live.seq.get(name) };
    send(message);
  }

  function connect() {
    clearTimeout(live.retryTimer);
    let socket;
    try {
      socket = new WebSocket(streamUrl());
    } catch (error) {
      unavailable(null);
      return;
    }
    live.socket = socket;
    setLive("connecting");
    socket.onopen = () => {
      live.retryMs = RETRY_FIRST_MS;
      subscribe(channel());
      live.pingTimer = setInterval(() => send({ action: "ping", id: String(Date.now()) }),
        PING_EVERY_MS);
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      received(message);
    };
    socket.onclose = () => unavailable(socket);
  }

  function unavailable(socket) {
    if (socket !== live.socket) return; // an old socket, replaced on purpose
    clearInterval(live.pingTimer);
    live.socket = null;
    setLive("unavailable");
    live.retryTimer = setTimeout(connect, live.retryMs);
    live.retryMs = Math.min(live.retryMs * 2, RETRY_MAX_MS);
  }

  function reconnect() {
    const socket = live.socket;
    live.socket = null;
    clearInterval(live.pingTimer);
    if (socket) socket.close();
    live.retryMs = RETRY_FIRST_MS;
    connect();
  }

  function received(message) {
    const current = message.channel === channel();
    switch (message.type) {
      case "subscribed":
        live.seq.set(message.channel, message.seq);
        if (current) setLive("live");
        break;
      case "bar": {
        const last = live.seq.get(message.channel);
        if (last !== undefined && message.seq <= last) return; // seen before a reconnect
        live.seq.set(message.channel, message.seq);
        if (current) applyLive(fromApi(message.data));
        break;
      }
      case "gap": // what was missed is no longer buffered: read the stored bars again
        live.seq.delete(message.channel);
        if (current) load();
        break;
      case "error":
        if (message.code === "not_authorized") askForKey(true);
        else if (current || !message.channel) showMessage(`Live feed: ${message.message}`);
        break;
      default: // heartbeat, pong, unsubscribed, closing (the close that follows reconnects)
        break;
    }
  }

  // ---- the symbol and interval picker

  picker.addEventListener("submit", (event) => {
    event.preventDefault();
    const symbol = picker.elements.symbol.value.trim().toUpperCase();
    const interval = picker.elements.interval.value;
    if (!symbol || (symbol === view.symbol && interval === view.interval)) return;
    const previous = channel();
    view.symbol = symbol;
    view.interval = interval;
    picker.elements.symbol.value = symbol;
    const query = new URLSearchParams({ symbol, interval });
    window.history.replaceState(null, "", `?${query}`);
    view.pending = [];
    if (live.socket && live.socket.readyState === WebSocket.OPEN) setLive("connecting");
    send({ action: "unsubscribe", channels: [previous] });
    live.seq.delete(previous);
    load();
    subscribe(channel());
  });

  load();
  connect();
})();
