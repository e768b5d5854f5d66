// Component libraries the index leaves out (dashboard/static.py defer_bundles): until their script is
// needed, their namespace holds stand-ins that load it on first render and then draw the real component.
// Inert unless the page sets window.atlasDeferredBundles = {namespace: {url, components}}.
(function () {
  var bundles = window.atlasDeferredBundles || {};
  // On a page with chart cards the library's script waits until one of them has drawn what its callback
  // answered (traces, or the annotation of an empty chart), at most CHARTS_FIRST_MS: AG Grid's script and
  // its grid chunk take 100-300 ms of main-thread time to evaluate, which otherwise falls between the
  // page's first render and its first chart. Pages without chart cards load it at once.
  var CHARTS_FIRST_MS = 2000;
  function chartAnswered() {
    var plots = document.querySelectorAll(".chart-card .js-plotly-plot");
    for (var i = 0; i < plots.length; i++) {
      var gd = plots[i];
      if ((gd.data && gd.data.length) || (gd.layout && gd.layout.annotations && gd.layout.annotations.length)) {
        return true;
      }
    }
    return false;
  }
  function chartsFirst() {
    var started = Date.now();
    return new Promise(function (resolve) {
      (function check() {
        if (!document.querySelector(".chart-card") || chartAnswered() || Date.now() - started > CHARTS_FIRST_MS) {
          resolve();
        } else {
          setTimeout(check, 50);
        }
      })();
    });
  }
  Object.keys(bundles).forEach(function (namespace) {
    var spec = bundles[namespace];
    var stub = {};
    var loading = null;
    function load() {
      if (!loading) {
        loading = chartsFirst().then(function () {
          return new Promise(function (resolve, reject) {
            var script = document.createElement("script");
            script.src = spec.url;
            script.onload = function () { resolve(window[namespace]); };
            script.onerror = function () {
              loading = null;
              reject(new Error("could not load " + spec.url));
            };
            document.head.appendChild(script);
          });
        });
      }
      return loading;
    }
    spec.components.forEach(function (name) {
      stub[name] = function Deferred(props) {
        var React = window.React;
        var loaded = window[namespace] !== stub ? window[namespace][name] : null;
        var state = React.useState(loaded ? {component: loaded} : null);
        React.useEffect(function () {
          if (!state[0]) {
            load().then(function (library) { state[1]({component: library[name]}); });
          }
        }, []);
        return state[0] ? React.createElement(state[0].component, props)
          : React.createElement("div", {className: "deferred-loading", "aria-busy": "true"});
      };
    });
    window[namespace] = stub;
  });
})();
