// The committee's dashboard: each [data-nc-chart] element is drawn from the ECharts options the page renders as JSON
// (json_script, which the Content-Security-Policy allows: it is data, not a script). Every mark carries the URL of
// the units behind it; a click (or a tap) opens it. The same figures are in the table under each chart.
(function () {
  "use strict";
  if (!window.echarts) return;
  var charts = [];
  document.querySelectorAll("[data-nc-chart]").forEach(function (el) {
    var source = document.getElementById(el.dataset.ncChart);
    if (!source) return;
    var option = JSON.parse(source.textContent);
    el.style.height = (option.height || 260) + "px";  // before init: the chart takes its size from the element
    delete option.height;
    option.textStyle = { fontFamily: "inherit", color: "#212529" };
    option.animation = false;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", function (p) {
      if (p.data && p.data.url) window.location.href = p.data.url;
    });
    chart.getZr().on("mousemove", function (e) { el.style.cursor = e.target ? "pointer" : "default"; });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
