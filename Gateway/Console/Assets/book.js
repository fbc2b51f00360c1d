// A product's book, live: the server-sent events of /console/books/{product}/events update the top of the book and
// put each trade at the head of the list (the newest 50 kept).
"use strict";

const view = document.getElementById("book");
const status = document.getElementById("feed-status");
const trades = document.querySelector("#trades tbody");
const money = micros => micros === null || micros === undefined ? "—" : String(micros);

const feed = new EventSource(view.dataset.events);
feed.addEventListener("ready", () => {
  status.dataset.state = "live";
  status.textContent = view.dataset.saysLive;
});
feed.addEventListener("book", e => {
  const top = JSON.parse(e.data);
  document.getElementById("best-bid").textContent = money(top.bestBid);
  document.getElementById("best-ask").textContent = money(top.bestAsk);
  document.getElementById("last").textContent = money(top.last);
});
feed.addEventListener("trade", e => {
  const trade = JSON.parse(e.data);
  const row = document.createElement("tr");
  row.dataset.trade = "";
  for (const text of [new Date(trade.at).toISOString().replace("T", " ").slice(0, 19), money(trade.price), String(trade.quantity)]) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.appendChild(cell);
  }
  trades.prepend(row);
  while (trades.rows.length > 50) {
    trades.deleteRow(-1);
  }
});
feed.onerror = () => {
  status.dataset.state = "reconnecting";
  status.textContent = view.dataset.saysReconnecting;
};
