// This Gateway's hot paths over the last minutes: fetches the sampled points and draws one SVG line chart per figure,
// again at every sample.
"use strict";

const root = document.getElementById("operations");
const status = document.getElementById("operations-status");
const svgNs = "http://www.w3.org/2000/svg";

function chart(title, unit, series) {
  const width = 640, height = 160, left = 56, top = 22, plotW = width - left - 10, plotH = height - top - 24;
  const values = series.flatMap(s => s.values);
  const max = Math.max(1, ...values) * 1.1;
  const count = Math.max(...series.map(s => s.values.length));
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  svg.classList.add("chart");
  const text = (x, y, content, anchor) => {
    const t = document.createElementNS(svgNs, "text");
    t.setAttribute("x", x);
    t.setAttribute("y", y);
    t.setAttribute("font-size", "11");
    t.setAttribute("text-anchor", anchor || "start");
    t.textContent = content;
    svg.appendChild(t);
  };
  text(left, 14, `${title} (${unit})`);
  text(left - 6, top + 4, max.toFixed(max < 10 ? 1 : 0), "end");
  text(left - 6, top + plotH, "0", "end");
  series.forEach((s, k) => {
    if (s.values.length < 2) {
      return;
    }
    const line = document.createElementNS(svgNs, "polyline");
    const x = i => left + (count < 2 ? 0 : i * plotW / (count - 1));
    const y = v => top + plotH - v / max * plotH;
    line.setAttribute("points", s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", s.color);
    line.setAttribute("stroke-width", "1.6");
    svg.appendChild(line);
    text(left + 8 + k * 150, height - 6, s.name);
  });
  return svg;
}

async function refresh() {
  const response = await fetch(root.dataset.url, { credentials: "same-origin" });
  if (!response.ok) {
    status.textContent = `${response.status}`;
    return;
  }
  const points = await response.json();
  for (const old of root.querySelectorAll("svg.chart")) {
    old.remove();
  }
  status.textContent = points.length < 2 ? root.dataset.saysWaiting : new Date(points[points.length - 1].at).toISOString().slice(11, 19) + " UTC";
  const pick = name => points.map(p => p[name]);
  root.appendChild(chart(root.dataset.saysRequests, "/s", [{ name: "HTTP", color: "#2563eb", values: pick("requestsPerSecond") }]));
  root.appendChild(chart(root.dataset.saysUsage, "/s", [
    { name: root.dataset.saysUsage, color: "#0d9488", values: pick("usageRecordsPerSecond") },
  ]));
  root.appendChild(chart(root.dataset.saysFlushes, "/s", [{ name: root.dataset.saysFlushes, color: "#7c3aed", values: pick("flushesPerSecond") }]));
  root.appendChild(chart(root.dataset.saysP99, "ms", [{ name: "p99", color: "#dc2626", values: pick("httpP99Ms") }]));
  root.appendChild(chart(root.dataset.saysMemory, "MB", [
    { name: "resident", color: "#7c3aed", values: pick("residentMegabytes") },
    { name: "heap", color: "#0d9488", values: pick("heapMegabytes") },
  ]));
  root.dataset.points = String(points.length);
}

refresh();
setInterval(refresh, Number(root.dataset.every));
