// Draws each Plotly figure the server rendered as a data block
// (<script type="application/json" data-plotly-figure="<div id>">, analytics/charts.py)
// into its div, so the pages need no inline script.
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("script[data-plotly-figure]").forEach(function (block) {
      var figure = JSON.parse(block.textContent);
      window.Plotly.newPlot(block.dataset.plotlyFigure, figure.data || [], figure.layout || {}, figure.config || {});
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
