/* The view: every parameter of a page URL as mapapp.view defines it in Python (`browser_spec`,
 * sent once with the page in the "view-spec" store). The URL, the download links, in-app links
 * and "Réinitialiser" are all derived from it: a parameter the controls do not own (`lang`,
 * `hide`…) is carried along untouched, so an embed keeps every parameter through every click. */
(function (ns) {
  "use strict";

  var view = ns.view = ns.view || {};
  view.spec = null;

  view.use = function (spec) {
    if (spec) view.spec = spec;
    return view.spec;
  };

  function same(a, b) {
    return a.length === b.length && a.every(function (v, i) { return v === b[i]; });
  }

  function required(param, state) {
    var rule = param.requires;
    return !rule || (state[rule.key] || []).every(function (v) { return rule.values.indexOf(v) !== -1; });
  }

  // One spelling per meaning, as Param.canonical: "all" wins over phase numbers.
  function canonical(param, values) {
    var distinct = values.filter(function (v, i) { return values.indexOf(v) === i; });
    if (param.key === "phase" && distinct.indexOf(view.spec.all) !== -1) return [view.spec.all];
    if (param.key === "phase") distinct.sort(function (a, b) { return Number(a) - Number(b); });
    return param.multi ? distinct : distinct.slice(0, 1);
  }

  // The view a query string names: unknown or bad values dropped, defaults filled in.
  view.parse = function (search) {
    var params = new URLSearchParams(search);
    var state = {};
    view.spec.params.forEach(function (param) {
      var values = [];
      params.getAll(param.key).forEach(function (raw) {
        (param.choices ? raw.split(",") : [raw]).forEach(function (v) {
          v = v.trim();
          if (v && (!param.choices || param.choices.indexOf(v) !== -1)) values.push(v);
        });
      });
      state[param.key] = values.length ? canonical(param, values) : param.default.slice();
    });
    view.spec.params.forEach(function (param) {
      if (!required(param, state)) state[param.key] = param.default.slice();
    });
    return state;
  };

  view.current = function () {
    return view.parse(window.location.search);
  };

  // The query string of a view: defaults left out, the requirements of each parameter applied;
  // `keys` keeps only some parameters (the filters, for the API's links).
  view.search = function (state, keys) {
    var out = new URLSearchParams();
    view.spec.params.forEach(function (param) {
      if (keys && keys.indexOf(param.key) === -1) return;
      var values = state[param.key] || [];
      if (!values.length || same(values, param.default) || !required(param, state)) return;
      values.forEach(function (v) { out.append(param.key, v); });
    });
    return out;
  };

  // A link to the current view with some parameters changed ({cluster: ["lyonbiopole"]}).
  view.href = function (changes) {
    var query = view.search(Object.assign(view.current(), changes)).toString();
    return window.location.pathname + (query ? "?" + query : "");
  };

  // Control values <-> parameter values, as Param.control_value in Python.
  view.toControl = function (param, values) {
    if (param.kind === "list") return values.slice();
    if (param.kind === "flag") return values.indexOf(param.on) !== -1 ? [param.on] : [];
    return values.length ? values[0] : param.empty;
  };
  view.fromControl = function (param, value) {
    var values;
    if (param.kind === "list") values = (value || []).slice();
    else if (param.kind === "flag") values = value && value.length ? [param.on] : [];
    else values = value === null || value === undefined || String(value).trim() === "" ? [] : [String(value).trim()];
    return values.length ? canonical(param, values) : param.default.slice();
  };

  view.controlled = function () {
    return view.spec.params.filter(function (param) { return param.control; });
  };

  // The state shown: the URL's, with what each control holds.
  view.fromControls = function (values) {
    var state = view.current();
    view.controlled().forEach(function (param, i) { state[param.key] = view.fromControl(param, values[i]); });
    return state;
  };

  // Sets the controls of `changes` as a click would (in-app links, reset).
  view.apply = function (changes) {
    view.controlled().forEach(function (param) {
      if (!(param.key in changes)) return;
      var props = {};
      props[param.prop] = view.toControl(param, changes[param.key]);
      window.dash_clientside.set_props(param.control, props);
    });
  };

  // "Réinitialiser": the arrival view, in the same language and frame (an embed stays an embed).
  view.reset = function (nClicks, spec) {
    view.use(spec);
    var defaults = {};
    view.controlled().forEach(function (param) { defaults[param.key] = param.default.slice(); });
    view.apply(defaults);
    viewInUrl = false;
    ns.map.frameDefault("map");
    return ns.noUpdate();
  };

  // ---- URL: every state change is a permalink; back/forward restore it ----
  // The map view goes into the URL once the user has moved the map, or when it came from it.
  var viewInUrl = new URLSearchParams(window.location.search).has("zoom");
  var shown = window.location.search;  // the query string last written (see popstate below)
  ["wheel", "pointerdown", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target.closest && event.target.closest("#map")) viewInUrl = true;
    }, true);
  });
  view.mapViewInUrl = function () {
    return viewInUrl;
  };

  function api(path, query) {
    var text = query.toString();
    return path + (text ? "?" + text : "");
  }

  // Arguments: one value per controlled parameter (spec order), the map's center and zoom, the spec.
  // Returns the hrefs of the downloads, the language switch and the embed's way out.
  view.syncUrl = function () {
    var args = Array.prototype.slice.call(arguments);
    var spec = view.use(args.pop());
    var zoom = args.pop();
    var center = args.pop();
    var state = view.fromControls(args);
    var mapView = new URLSearchParams();
    if (viewInUrl && center && zoom !== undefined && zoom !== null) {
      // dash-leaflet reports [lat, lon] or, once Leaflet has moved the map, {lat, lng}.
      mapView.set(spec.viewport[0], Number(Array.isArray(center) ? center[0] : center.lat).toFixed(4));
      mapView.set(spec.viewport[1], Number(Array.isArray(center) ? center[1] : center.lng).toFixed(4));
      mapView.set(spec.viewport[2], String(Math.round(zoom * 4) / 4));
    }
    function page(s) {
      var query = view.search(s);
      mapView.forEach(function (value, key) { query.set(key, value); });
      return query.toString() ? "?" + query.toString() : "";
    }
    var target = page(state);
    if (target !== window.location.search) {
      var previous = new URLSearchParams(window.location.search);
      spec.viewport.forEach(function (k) { previous.delete(k); });
      // A new filter or pôle is a new history entry; moving the map only replaces it.
      var url = window.location.pathname + target;
      if (previous.toString() !== view.search(state).toString()) window.history.pushState(null, "", url);
      else window.history.replaceState(null, "", url);
      shown = window.location.search;
    }
    var filters = view.search(state, spec.filters);
    var french = new URLSearchParams(filters);
    french.set("sep", ";");
    // The regions' table compares every region: the region filter does not apply to it.
    var regions = view.search(Object.assign({}, state, {region: []}), spec.filters.concat(["layer"]));
    regions.set("sep", ";");
    var otherLang = Object.assign({}, state, {lang: [state.lang[0] === "en" ? "fr" : "en"]});
    return [
      api("/api/clusters.csv", filters),
      api("/api/clusters.csv", french),
      api("/api/clusters.geojson", filters),
      window.location.pathname + (page(otherLang) || "?"),
      api("/api/regions.csv", regions),
      "/" + page(Object.assign({}, state, {hide: []})),
    ];
  };

  // In-app links (`data-view` holds the parameters they change, as JSON): their href is the
  // current view with those changes — for a new tab too —, and a plain click applies them in place.
  function viewLink(event) {
    var link = event.target.closest && event.target.closest("a[data-view]");
    if (!link || !view.spec) return null;
    link.href = view.href(JSON.parse(link.getAttribute("data-view")));
    return link;
  }
  ["focusin", "mouseover", "contextmenu"].forEach(function (type) { document.addEventListener(type, viewLink); });
  document.addEventListener("click", function (event) {
    var link = viewLink(event);
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    view.apply(JSON.parse(link.getAttribute("data-view")));
  });

  // Back and forward: the server renders the page for the URL it lands on. A move within the page
  // (the skip link's "#map-region") changes no view: nothing to reload.
  window.addEventListener("popstate", function () {
    if (window.location.search !== shown) window.location.reload();
  });
})(window.mapapp = window.mapapp || {});
