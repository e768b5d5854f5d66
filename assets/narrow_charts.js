// Charts on a phone. A figure may carry in layout.meta.narrow the changes it needs when it is drawn narrower than
// NARROW px (dashboard.figures.narrow: {layout: {relayout updates}, traces: [[index, {restyle updates}], ...]}).
// After plotly draws a chart this applies them (noting it in meta.narrow.applied and .wide), or takes them back when the chart is drawn wide again (a phone
// turned, a window widened). The server cannot know the screen, and plotly's layout has no media queries.
(function () {
  var NARROW = 500;  // dashboard.figures.NARROW_WIDTH

  // The value at a plotly attribute path ("legend.font.size", "annotations[2].text"); undefined when absent.
  function valueAt(object, path) {
    var parts = path.replace(/\[(\d+)\]/g, ".$1").split(".");
    for (var i = 0; i < parts.length && object !== undefined && object !== null; i++) object = object[parts[i]];
    return object;
  }

  // The current values of the attributes `updates` changes: what puts the chart back as it was drawn. null makes
  // plotly use its default again where the figure had set nothing.
  function current(object, updates) {
    var old = {};
    Object.keys(updates).forEach(function (path) {
      var value = valueAt(object, path);
      old[path] = value === undefined ? null : value;
    });
    return old;
  }

  // Restyle takes one value per trace listed: an array value is wrapped so that it is the value of this one trace.
  function perTrace(updates) {
    var out = {};
    Object.keys(updates).forEach(function (path) { out[path] = [updates[path]]; });
    return out;
  }

  // Whether the narrow layout is applied, and what it replaced, are kept in the figure's own meta and set with the
  // same relayout: dcc.Graph redraws from a copy of the figure with the relayout applied (a new object, the same
  // state), and a figure from the server comes without them (drawn as it came).
  function adapt(gd) {
    var spec = gd.layout && gd.layout.meta && gd.layout.meta.narrow;
    if (!spec || !gd._fullLayout || !window.Plotly) return;
    var narrow = gd._fullLayout.width < NARROW;
    if (narrow === !!spec.applied) return;
    var traces = spec.traces || [];
    var wide = narrow ? {
      layout: current(gd.layout, spec.layout || {}),
      traces: traces.map(function (pair) { return [pair[0], current(gd.data[pair[0]], pair[1])]; })
    } : spec.wide;
    var target = narrow ? {layout: spec.layout || {}, traces: traces} : wide;
    if (!target) return;
    var meta = Object.assign({}, gd.layout.meta, {narrow: Object.assign({}, spec, {applied: narrow, wide: wide})});
    gd.layout.meta = meta;  // at once: the redraws below call adapt again
    target.traces.forEach(function (pair) {
      if (gd.data[pair[0]]) window.Plotly.restyle(gd, perTrace(pair[1]), [pair[0]]);
    });
    window.Plotly.relayout(gd, Object.assign({}, target.layout, {meta: meta}));
  }

  function watch(gd) {
    if (gd._atlasWatched || typeof gd.on !== "function") return;
    gd._atlasWatched = true;
    gd.on("plotly_afterplot", function () { adapt(gd); });
    adapt(gd);  // it may have been drawn before it was watched
  }

  var pending = false;
  function scan() {
    pending = false;
    document.querySelectorAll(".js-plotly-plot").forEach(watch);
  }
  new MutationObserver(function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(scan);
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
