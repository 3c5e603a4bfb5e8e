"""The live chart page of ``GET /chart``: its files, and the document built from them.

The page's own files (``page.html``, ``chart.js``, ``chart.css``) live here as written;
``vendor/`` holds TradingView's lightweight-charts, copied from ``node_modules`` at build
time by ``python -m layers.chart_assets`` (``make chart-assets``), never fetched by a browser
from elsewhere.
"""
