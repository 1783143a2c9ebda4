/* Embedding: the dialog that writes the iframe code for the view on screen, and the embedded page
 * itself (its height sent to the host page, its map sized on the frame it was given). */
(function (ns) {
  "use strict";

  var embed = ns.embed = ns.embed || {};

  // The frame's height when the page first loads: an embed's map takes a fixed share of it, so
  // the page does not grow with the height it reports to its host (assets/mapapp.css).
  document.documentElement.style.setProperty("--initial-height", window.innerHeight + "px");

  function clamp(value, range) {
    var n = Math.round(Number(value));
    return value === null || value === "" || !isFinite(n) ? null : Math.min(range[1], Math.max(range[0], n));
  }

  // The snippet for the page's current view (the URL, kept by mapapp.view.syncUrl), in the
  // chosen language, with or without the filter panel.
  embed.snippet = function (nOpen, title, width, height, lang, hide, messages) {
    var dialog = document.getElementById("embed-dialog");
    var ctx = window.dash_clientside.callback_context;
    if (ctx.triggered.length && ctx.triggered[0].prop_id === "embed-open.n_clicks" && !dialog.open) {
      dialog.showModal();
    }
    var state = Object.assign(ns.view.current(), {lang: [lang], hide: hide || []});
    var query = ns.view.search(state);
    var current = new URLSearchParams(window.location.search);
    ns.view.spec.viewport.forEach(function (key) { if (current.has(key)) query.set(key, current.get(key)); });
    var base = window.location.origin + window.location.pathname.replace(/\/(embed\/?)?$/, "");
    var src = base + "/embed" + (query.toString() ? "?" + query.toString() : "");
    var w = clamp(width, messages.widthRange);
    var h = clamp(height, messages.heightRange) || messages.heightRange[0];
    var name = String(title || "").trim() || document.title;
    var esc = ns.escapeAttr;
    var snippet = [
      '<figure role="group" class="fr-content-media">',
      '  <iframe src="' + esc(src) + '" title="' + esc(name) + '"',
      '          width="' + (w || "100%") + '" height="' + h + '" style="border:0;max-width:100%" loading="lazy"',
      '          data-mapapp></iframe>',
      '  <figcaption class="fr-content-media__caption">' + esc(name) + "</figcaption>",
      "</figure>",
      '<script src="' + esc(base + messages.script) + '" async></script>',
    ].join("\n");
    return [snippet, src, name, {width: w ? w + "px" : "100%", height: h + "px"}];
  };

  embed.copy = function (nClicks, messages) {
    var area = document.getElementById("embed-code");
    var done = function () { return messages.embed_copied; };
    var fallback = function () {
      area.select();
      try {
        return document.execCommand("copy") ? messages.embed_copied : messages.embed_copy_failed;
      } catch (e) {
        return messages.embed_copy_failed;
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(area.value).then(done, fallback);
    }
    return fallback();
  };

  // Embedded in another site's page: tell the host page our height (see assets/embed-host.js),
  // whenever it changes (Dash renders after the load event, panels open later).
  if (window.parent !== window && window.ResizeObserver) {
    var posted = 0;
    var post = function (page) {
      var height = Math.ceil(page.getBoundingClientRect().height);
      if (height && height !== posted) {
        posted = height;
        window.parent.postMessage({type: "mapapp:height", height: height}, "*");
      }
    };
    var watch = new MutationObserver(function () {
      var page = document.querySelector(".page");
      if (!page) return;
      watch.disconnect();
      new ResizeObserver(function () { post(page); }).observe(page);
    });
    watch.observe(document.documentElement, {childList: true, subtree: true});
  }
})(window.mapapp = window.mapapp || {});
