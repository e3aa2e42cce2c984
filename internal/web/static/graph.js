// koban link graph: draws the graph the page carries in data-graph with
// cytoscape. The table under it holds the same nodes and links for the
// keyboard and screen readers, and the page works without this script.
(function () {
  var el = document.getElementById("graph");
  if (!el || !window.cytoscape) return;
  var g = JSON.parse(el.getAttribute("data-graph"));
  var hiddenLabel = el.getAttribute("data-hidden-label");
  var elements = [];
  g.nodes.forEach(function (n) {
    var label = n.kind === "hidden" ? hiddenLabel.replace("{n}", String(n.records)) : n.label;
    if (n.kind === "observable") label = n.type + ": " + label;
    if (n.more) label += " (+" + n.more + ")";
    var cls = n.kind;
    if (n.warnings && n.warnings.length) cls += " benign";
    if (n.common) cls += " common";
    if (n.id === g.root) cls += " root";
    elements.push({ group: "nodes", data: { id: n.id, label: label, kind: n.kind }, classes: cls });
  });
  g.edges.forEach(function (e, i) {
    elements.push({ group: "edges", data: { id: "e" + i, source: e.from, target: e.to } });
  });
  var cy = window.cytoscape({
    container: el,
    elements: elements,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 4,
        "text-wrap": "ellipsis", "text-max-width": 140 } },
      { selector: "node.record", style: { shape: "round-rectangle", "background-color": "#1d4f7a", width: 22, height: 16 } },
      { selector: "node.observable", style: { shape: "ellipse", "background-color": "#b35900", width: 16, height: 16 } },
      { selector: "node.hidden", style: { shape: "diamond", "background-color": "#777", width: 18, height: 18 } },
      { selector: "node.benign, node.common", style: { "background-color": "#bbb", "border-width": 2, "border-color": "#666" } },
      { selector: "node.root", style: { "border-width": 4, "border-color": "#000" } },
      { selector: "edge", style: { width: 1, "line-color": "#999", "curve-style": "haystack" } }
    ],
    layout: { name: "cose", animate: false, nodeDimensionsIncludeLabels: true }
  });
  // A record opens its page; a value becomes the centre of a new graph.
  cy.on("tap", "node", function (evt) {
    var n = evt.target;
    var id = n.id();
    if (n.data("kind") === "record") {
      var parts = id.split(":");
      if (parts[0] === "report") window.location.href = "/reports/" + parts[1];
    } else if (n.data("kind") === "observable") {
      window.location.href = "/graph?node=" + encodeURIComponent(id);
    }
  });
})();
