// Component libraries the index leaves out (dashboard/static.py defer_bundles): until their script is
// needed, their namespace holds stand-ins that load it on first render and then draw the real component.
// Inert unless the page sets window.atlasDeferredBundles = {namespace: {url, components}}.
(function () {
  var bundles = window.atlasDeferredBundles || {};
  Object.keys(bundles).forEach(function (namespace) {
    var spec = bundles[namespace];
    var stub = {};
    var loading = null;
    function load() {
      if (!loading) {
        loading = new Promise(function (resolve, reject) {
          var script = document.createElement("script");
          script.src = spec.url;
          script.onload = function () { resolve(window[namespace]); };
          script.onerror = function () {
            loading = null;
            reject(new Error("could not load " + spec.url));
          };
          document.head.appendChild(script);
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
