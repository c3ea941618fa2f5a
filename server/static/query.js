// The query page: YASGUI against this server's /sparql, the example queries, download links.
(function () {
  "use strict";
  const examples = JSON.parse(document.getElementById("example-data").textContent);
  const defaultQuery = JSON.parse(document.getElementById("default-query").textContent);
  const endpoint = new URL("/sparql", window.location.href).href;
  const prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  const base = document.getElementById("yasgui").dataset.baseIri;

  // The results table shows labels ("Sorafenib", "phase II") as links, the CURIE and IRI as
  // the tooltip; literals as their text ("Axitinib", not "Axitinib"@en). Non-web IRIs
  // (javascript:, data:) are never links.
  const labels = {};
  fetch("/labels.json").then(function (r) { return r.json(); })
    .then(function (found) { Object.assign(labels, found); }).catch(function () {});
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function curie(iri) {
    let best = null;
    Object.keys(prefixes).forEach(function (name) {
      const ns = prefixes[name];
      if (iri.startsWith(ns) && (best === null || ns.length > prefixes[best].length)) best = name;
    });
    return best === null ? iri : best + ":" + iri.slice(prefixes[best].length);
  }
  const Table = Yasgui.Yasr && Yasgui.Yasr.plugins && Yasgui.Yasr.plugins.table;
  if (Table) {
    Table.prototype.getUriLinkFromBinding = function (binding) {
      const iri = binding.value;
      const text = labels[iri] || curie(iri);
      const title = esc(curie(iri) === iri ? iri : curie(iri) + "  " + iri);
      if (!/^https?:\/\//.test(iri)) return '<span class="iri" title="' + title + '">' + esc(text) + "</span>";
      const href = iri.startsWith(base) ? "/" + iri.slice(base.length) : iri;
      return '<a class="iri" href="' + esc(href) + '" title="' + title + '">' + esc(text) + "</a>";
    };
    Table.prototype.formatLiteral = function (binding) { return esc(binding.value); };
    // whole labels, wrapped, rather than "Erlotinib plus b…" (the Ellipse box still cuts them)
    const draw = Table.prototype.draw;
    Table.prototype.draw = function (config) {
      return draw.call(this, Object.assign({ isEllipsed: false }, config || {}));
    };
  }

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null, // start from this page's query, not from the last visit
    populateFromUrl: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: defaultQuery, autocompleters: ["prefixes", "variables"] },
    yasr: { defaultPlugin: "table", prefixes: prefixes },
  });
  window.sorakgYasgui = yasgui;

  function currentQuery() {
    return yasgui.getTab().getYasqe().getValue();
  }

  const select = document.getElementById("examples");
  const description = document.getElementById("example-description");
  select.addEventListener("change", function () {
    const example = examples[Number(select.value)];
    if (!example) return;
    yasgui.getTab().setQuery(example.query);
    description.textContent = example.description;
    shown = example.query;
  });
  // once the user edits the query, the example's description no longer describes it
  let shown = null;
  yasgui.getTab().getYasqe().on("change", function (editor) {
    if (shown !== null && editor.getValue() !== shown) {
      description.textContent = "";
      select.value = "";
      shown = null;
    }
  });

  // Entity IRIs in the results open this server's Linked Data pages, not the w3id redirects.
  new MutationObserver(function () {
    document.querySelectorAll('#yasgui a[href^="' + base + '"]').forEach(function (a) {
      a.href = "/" + a.getAttribute("href").slice(base.length);
    });
  }).observe(document.getElementById("yasgui"), { subtree: true, childList: true });

  // /query?example=NAME opens with that named query (the home page's example links here)
  const wanted = new URLSearchParams(window.location.search).get("example");
  const index = examples.findIndex(function (e) { return e.name === wanted; });
  if (index >= 0) {
    select.value = String(index);
    select.dispatchEvent(new Event("change"));
  }

  document.querySelectorAll("a.download").forEach(function (link) {
    link.addEventListener("click", function () {
      const format = link.dataset.format;
      const params = new URLSearchParams({ query: currentQuery(), format: format });
      link.href = endpoint + "?" + params.toString();
      link.download = "results." + format;
    });
  });
})();
