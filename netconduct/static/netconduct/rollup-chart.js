// Completion per unit as a horizontal bar chart (ECharts), from the data-* attributes the page renders.
(function () {
  var el = document.getElementById("rollup-chart");
  if (!el || !window.echarts) return;
  if (el.dataset.ncHeight) el.style.height = el.dataset.ncHeight + "px";  // before init: the chart takes its size
  var names = el.dataset.names ? el.dataset.names.split("|") : [];
  var values = el.dataset.values ? el.dataset.values.split("|").map(Number) : [];
  if (!names.length) { el.remove(); return; }
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: names.slice().reverse(), axisLabel: { width: 120, overflow: "truncate" } },
    series: [{
      type: "bar", data: values.slice().reverse(), barMaxWidth: 18,
      label: { show: true, position: "right", formatter: "{c}%" },
      itemStyle: { color: function (p) { return p.value >= 100 ? "#198754" : "#c8161d"; } }
    }],
    tooltip: { trigger: "item", formatter: "{b}: {c}%" }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
