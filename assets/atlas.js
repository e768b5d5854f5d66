// Client-side helpers: keep the query string in step with the controls, switch language.
window.atlas = {
  // Write the given parameters into the URL without reloading or re-rendering the page.
  syncUrl: function (names, values) {
    var params = new URLSearchParams(window.location.search);
    names.forEach(function (name, i) {
      var value = values[i];
      if (Array.isArray(value)) value = value.join(",");
      if (value === null || value === undefined || value === "") params.delete(name);
      else params.set(name, value);
    });
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "");
    if (url !== window.location.pathname + window.location.search) {
      window.history.replaceState(window.history.state, "", url);
    }
    return query;
  },
  // Links in the navigation carry the language and the global therapy area along.
  navHref: function (path, area) {
    var current = new URLSearchParams(window.location.search);
    var params = new URLSearchParams();
    if (current.get("lang")) params.set("lang", current.get("lang"));
    if (area) params.set("area", area);
    var query = params.toString();
    return path + (query ? "?" + query : "");
  },
  switchLanguage: function (lang) {
    var params = new URLSearchParams(window.location.search);
    params.set("lang", lang);
    window.location.assign(window.location.pathname + "?" + params.toString());
  }
};
