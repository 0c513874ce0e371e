"""The regulator's pages: server-rendered Django templates over the registry's services (Chinese first, English
beside), readable without JavaScript; ECharts (vendored, static/registry/vendor/echarts) draws the two charts."""
