/* The panels beside the map: which pôle is open (marker, table row, search, close), its profile
 * (tabs, members, focus), the region panel, and the table's component library, fetched when the
 * table is first opened. */
(function (ns) {
  "use strict";

  var panels = ns.panels = ns.panels || {};
  var loadedScripts = {};
  // Panels opened by the reader are brought to them; a page opened on a permalink stays at its top.
  var interacted = false;
  ["pointerdown", "keydown"].forEach(function (type) {
    document.addEventListener(type, function () { interacted = true; }, true);
  });

  function noUpdate() { return window.dash_clientside.no_update; }

  // Inputs: one clickData per map, search.n_submit, profile-close.n_clicks, filtered-rows.data;
  // State: search.value.
  panels.selectCluster = function () {
    var ctx = window.dash_clientside.callback_context;
    var rows = ctx.inputs["filtered-rows.data"] || [];
    var q = ctx.states["search.value"];
    var clicked = null;
    var trigger = "";
    ctx.triggered.forEach(function (t) {
      trigger = trigger || t.prop_id;
      if (/clusters\.clickData$/.test(t.prop_id) && t.value && t.value.properties &&
          !t.value.properties.cluster) clicked = t.value.properties.id;
    });
    if (clicked) return clicked;
    if (trigger === "profile-close.n_clicks") return null;
    if (trigger === "search.n_submit" && rows.length) return rows[0].id;
    // Typing a search that leaves a single pôle opens it.
    if (trigger === "filtered-rows.data" && q && q.trim() && rows.length === 1) return rows[0].id;
    return noUpdate();
  };

  panels.selectRow = function (cell) {
    return cell && cell.rowId ? cell.rowId : noUpdate();
  };

  panels.selectTab = function () {
    var keys = arguments[arguments.length - 1];
    var trigger = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
    var chosen = trigger.split(".")[0].replace("tab-", "");
    var hidden = keys.map(function (k) { return k !== chosen; });
    var selected = keys.map(function (k) { return k === chosen ? "true" : "false"; });
    var tabIndex = keys.map(function (k) { return k === chosen ? "0" : "-1"; });
    var button = document.getElementById("tab-" + chosen);
    if (button) button.focus();
    return hidden.concat(selected, tabIndex);
  };

  // The member list: data names in French (lang="fr"), their category in the page's language.
  panels.renderMembers = function (text, members, categories, shown) {
    var el = ns.el;
    var needle = ns.normalize(text);
    var hits = (members || []).filter(function (m) {
      return !needle || ns.normalize(m.name + " " + m.commune_name).indexOf(needle) !== -1;
    });
    var items = hits.slice(0, shown).map(function (m) {
      return el("Li", {children: [el("Span", {lang: "fr", children: m.name + " — " + m.commune_name}),
                                  " (" + (categories[m.category] || m.category) + ")"]});
    });
    if (hits.length > shown) items.push(el("Li", {children: "… +" + (hits.length - shown)}));
    return items;
  };

  // A newly opened panel takes the focus (read next by screen readers) and, on a phone where it
  // sits below the map, is scrolled to.
  panels.focusTitle = function (titleId) {
    return function (children) {
      var title = document.getElementById(titleId);
      if (interacted && title && children && children.length) {
        window.requestAnimationFrame(function () {
          title.focus({preventScroll: true});
          var box = title.getBoundingClientRect();
          if (box.top < 0 || box.bottom > window.innerHeight) title.scrollIntoView({block: "start"});
        });
      }
      return noUpdate();
    };
  };
  panels.focusProfile = panels.focusTitle("profile-title");

  // The region panel opened by choosing a region is brought into view (it may sit below the map
  // and the filters on a phone); the focus stays where the choice was made.
  panels.showRegion = function (children) {
    var title = document.getElementById("region-title");
    if (interacted && title && children && children.length) {
      window.requestAnimationFrame(function () {
        var box = title.getBoundingClientRect();
        if (box.top < 0 || box.top > window.innerHeight) title.scrollIntoView({block: "start"});
      });
    }
    return noUpdate();
  };

  // ---- the table's component library is fetched only when the table is first opened ----
  function loadScript(url) {
    if (!loadedScripts[url]) {
      loadedScripts[url] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url;
        s.onload = function () { resolve(true); };
        s.onerror = function () { reject(new Error("could not load " + url)); };
        document.head.appendChild(s);
      });
    }
    return loadedScripts[url];
  }
  panels.openTable = function (nClicks, url, isOpen) {
    if (!nClicks) return noUpdate();
    return loadScript(url).then(function () { return !isOpen; });
  };

  // The table's list cells show names, not codes (ui/table.py: `names(params.value, params.context.themes)`).
  window.dashAgGridFunctions = window.dashAgGridFunctions || {};
  window.dashAgGridFunctions.names = function (codes, names) {
    return (codes || []).map(function (code) { return (names || {})[code] || code; }).join(", ");
  };

  panels.syncGrid = function (selected) {
    var api = window.dash_ag_grid && window.dash_ag_grid.getApi && window.dash_ag_grid.getApi("cluster-grid");
    if (api && selected) {
      var node = api.getRowNode(selected);
      if (node) { node.setSelected(true, true); api.ensureNodeVisible(node); }
    }
    return noUpdate();
  };

  // Escape closes the pôle's profile, and closing gives the focus back to the pôle's marker (or
  // to the map) instead of losing it with the panel.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest || !event.target.closest("#profile-panel")) return;
    var close = document.getElementById("profile-close");
    if (close) close.click();
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#profile-close")) return;
    var id = new URLSearchParams(window.location.search).get("cluster");
    var map = document.getElementById("map");
    if (!map) return;
    // The markers are redrawn once the selection is cleared: until the reader does something
    // else, the focus is put back on the pôle's marker each time the map redraws it (or on the
    // map, if the pôle is no longer drawn), never taken from where the reader put it.
    var restore = function () {
      var active = document.activeElement;
      // Lost: on nothing, on the map itself, or in the panel being closed.
      var lost = !active || active === document.body || active === map || !active.isConnected ||
        Boolean(active.closest && active.closest("#profile-panel"));
      if (!lost && !(active.closest && active.closest("#map [data-cluster-id]"))) return stop();
      var marker = id && map.querySelector('[data-cluster-id="' + CSS.escape(id) + '"]');
      if (marker && marker !== active) marker.focus();
      else if (!marker && lost) map.focus();
    };
    var observer = new MutationObserver(restore);
    var stop = function () {
      observer.disconnect();
      document.removeEventListener("keydown", stop, true);
      document.removeEventListener("pointerdown", stop, true);
    };
    observer.observe(map, {childList: true, subtree: true});
    document.addEventListener("keydown", stop, true);
    document.addEventListener("pointerdown", stop, true);
    restore();
  });
})(window.mapapp = window.mapapp || {});
