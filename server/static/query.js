// The query page: YASGUI against this server's /sparql, the example queries, download links.
(function () {
  "use strict";
  const examples = JSON.parse(document.getElementById("example-data").textContent);
  const defaultQuery = JSON.parse(document.getElementById("default-query").textContent);
  const endpoint = new URL("/sparql", window.location.href).href;

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null, // start from this page's query, not from the last visit
    populateFromUrl: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: defaultQuery, autocompleters: ["prefixes", "variables"] },
    yasr: { defaultPlugin: "table", prefixes: {} },
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
  });

  // Entity IRIs in the results open this server's Linked Data pages, not the w3id redirects.
  const base = document.getElementById("yasgui").dataset.baseIri;
  new MutationObserver(function () {
    document.querySelectorAll('#yasgui a[href^="' + base + '"]').forEach(function (a) {
      a.href = "/" + a.getAttribute("href").slice(base.length);
    });
  }).observe(document.getElementById("yasgui"), { subtree: true, childList: true });

  document.querySelectorAll("a.download").forEach(function (link) {
    link.addEventListener("click", function () {
      const format = link.dataset.format;
      const params = new URLSearchParams({ query: currentQuery(), format: format });
      link.href = endpoint + "?" + params.toString();
      link.download = "results." + format;
    });
  });
})();
