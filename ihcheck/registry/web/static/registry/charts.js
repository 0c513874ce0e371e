/* The overview's two charts, drawn by Apache ECharts (vendored) from the JSON the page carries (json_script).
   The table under them holds every verdict: the charts add a view, they hold nothing the table lacks. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var font = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';
  var charts = [];
  var rates = data("data-rates"), rEl = document.getElementById("chart-rates");
  if (rates && rEl) {
    var c1 = echarts.init(rEl, null, { renderer: "svg" });
    c1.setOption({
      animation: false, aria: { enabled: true }, textStyle: { fontFamily: font },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 44, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: rates.weeks },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: rates.series.map(function (s) {
        return { name: s.rule, type: "line", data: s.rates, connectNulls: false, symbolSize: 6 };
      })
    });
    charts.push(c1);
  }
  var cities = data("data-cities"), cEl = document.getElementById("chart-cities");
  if (cities && cEl) {
    var names = { fail: "不符合 fail", stale: "超期 stale", inconclusive: "无法判定 inconclusive", pass: "符合 pass" };
    var colours = { fail: "#b3261e", stale: "#8a5a00", inconclusive: "#5f6b7a", pass: "#1b6e3a" };
    var c2 = echarts.init(cEl, null, { renderer: "svg" });
    c2.setOption({
      animation: false, aria: { enabled: true }, textStyle: { fontFamily: font },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", bottom: 0 },  // one line however narrow the window, never over the axis
      grid: { left: 36, right: 12, top: 16, bottom: 56 },
      xAxis: { type: "category", data: cities.cities },
      yAxis: { type: "value", minInterval: 1 },
      series: cities.series.map(function (s) {
        return { name: names[s.state], type: "bar", stack: "all", data: s.counts, itemStyle: { color: colours[s.state] } };
      })
    });
    charts.push(c2);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
