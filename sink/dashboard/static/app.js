// winnow analyst page: small progressive enhancements. The page works
// without this file; no page text is ever turned into markup here
// (textContent only).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Filters apply as soon as a select changes.
  document.querySelectorAll("select.autosubmit").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
  // Charts: a read-out line under each chart names the bar under the
  // pointer; legend entries highlight their series.
  document.querySelectorAll("figure.chart-box").forEach(function (fig) {
    var svg = fig.querySelector("svg.chart");
    if (!svg) { return; }
    var out = document.createElement("div");
    out.className = "chart-readout";
    fig.appendChild(out);
    svg.querySelectorAll("rect.bar").forEach(function (bar) {
      bar.addEventListener("mouseenter", function () {
        var t = bar.querySelector("title");
        out.textContent = t ? t.textContent : "";
      });
    });
    fig.querySelectorAll(".legend li").forEach(function (li) {
      li.addEventListener("mouseenter", function () {
        svg.querySelectorAll("rect.bar").forEach(function (bar) {
          bar.classList.toggle("hl", bar.getAttribute("data-series") === li.textContent);
        });
      });
      li.addEventListener("mouseleave", function () {
        svg.querySelectorAll("rect.bar.hl").forEach(function (bar) { bar.classList.remove("hl"); });
      });
    });
  });
  document.documentElement.setAttribute("data-ready", "1");
});
