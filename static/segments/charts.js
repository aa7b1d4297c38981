// Draws every Plotly figure a page holds as JSON data (segments.charts.render_figure).
// Loaded with defer after plotly.min.js, so the page is parsed and Plotly is there.
(function () {
  "use strict";
  document.querySelectorAll("[data-figure]").forEach(function (element) {
    var source = document.getElementById(element.dataset.figure);
    if (!source || !window.Plotly) { return; }
    var spec = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, spec.figure.data, spec.figure.layout, spec.config);
  });
})();
